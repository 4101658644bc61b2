import { TesseraError } from "../core/errors.js";

/** Why a provider's answer was refused. */
export type ProviderRefusal =
  /** The token endpoint refused the code: used before, expired, or not this browser's (PKCE). */
  | "invalid_code"
  /** The ID token failed validation: signature, issuer, audience, nonce, expiry. */
  | "invalid_id_token"
  /** The provider's answer was not what the protocol says. */
  | "invalid_response";

/** The provider refused the sign-in, or its answer is not to be believed. The HTTP layer answers 400. */
export class ProviderRefused extends TesseraError {
  override name = "ProviderRefused";
  readonly reason: ProviderRefusal;
  constructor(reason: ProviderRefusal, options?: { cause?: unknown }) {
    super(`the identity provider's answer was refused: ${reason}`, options);
    this.reason = reason;
  }
}

/** The provider could not be reached in time, or answered a server error. The HTTP layer answers 503. */
export class ProviderUnavailable extends TesseraError {
  override name = "ProviderUnavailable";
  readonly provider: string;
  constructor(provider: string, options?: { cause?: unknown }) {
    super(`the identity provider "${provider}" is unavailable`, options);
    this.provider = provider;
  }
}
