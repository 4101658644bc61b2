/** What a provider tells about the person who signed in there. */
export interface ProviderIdentity {
  /** The person's stable id at the provider (OpenID Connect's `sub`, GitHub's numeric id). */
  accountId: string;
  /** Their email, or `null` when the provider gave none. */
  email: string | null;
  /** Whether the provider asserts it verified that email (`email_verified`). */
  emailVerified: boolean;
  /** The provider's tokens for the app (stored on the linked account). */
  tokens: ProviderTokens;
}

export interface ProviderTokens {
  accessToken: string;
  refreshToken: string | null;
  /** Seconds since the epoch, or `null` when the provider did not say. */
  expiresAt: number | null;
}

/** What a sign-in sends the browser to the provider with. */
export interface AuthorizationRequest {
  /** Where the provider sends the browser back (the callback route). */
  redirectUri: string;
  state: string;
  /** PKCE: the S256 challenge of the verifier the callback will send. */
  codeChallenge: string;
  /** OpenID Connect's `nonce`, required back in the ID token. */
  nonce: string;
  /** Scopes the caller asked for, added to the provider's own. */
  scopes: readonly string[];
}

/** What the callback checks the provider's answer against. */
export interface AuthorizationResponse {
  /**
   * The redirect URI with the query the provider sent the browser back with
   * (`code`, `state`): the token request names this redirect URI.
   */
  callbackUrl: URL;
  /** The state this browser was given (already checked by the caller). */
  state: string;
  codeVerifier: string;
  nonce: string;
}

/**
 * An identity provider, as the OAuth routes use it: one call per step, the
 * protocol work (discovery, PKCE, the code exchange, ID-token validation)
 * left to a well-kept client. See `openIdConnectProvider` and
 * `githubProvider` in `tessera-auth/oauth`.
 */
export interface OAuthProvider {
  /** The name it is mounted under (`/auth/{name}/…`) and stored as (`oauth_name`). */
  readonly name: string;
  /** The URL to send the browser to. */
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /**
   * Exchanges the code and validates what comes back. Throws
   * {@link ProviderRefused} when the provider refuses the code or its answer
   * fails validation, {@link ProviderUnavailable} when it cannot be reached
   * in time or answers a server error.
   */
  finish(response: AuthorizationResponse): Promise<ProviderIdentity>;
}
