import type { CsrfRefusal, RequestInfo } from "./request-origin.js";

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
  /**
   * For credentials a browser attaches on its own (cookies): whether this
   * request may use them, else why not. Transports without it (bearer) are not
   * exposed to CSRF and are never checked.
   */
  checkRequestOrigin?(request: RequestInfo): CsrfRefusal | null;
  /** How the token travels, as an OpenAPI security scheme object. */
  openApiSecurityScheme?(): Record<string, unknown>;
}
