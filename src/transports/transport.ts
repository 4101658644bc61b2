/** The slice of the Web `Headers` a transport reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * How a token travels: where it is read from on each request, and what the
 * login and logout answers look like. What a token *is* belongs to the strategy.
 */
export interface Transport {
  /** The token carried by a request, or `null`. Never throws on malformed input. */
  readToken(headers: HeaderReader): string | null;
  /** The answer to a successful login. */
  loginResponse(token: string): Response;
  /** The answer to a successful logout. */
  logoutResponse(): Response;
}
