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

/**
 * The provider does not say it verified the email, and no user may be
 * created from it (`allowUnverifiedEmails` is off). The HTTP layer answers
 * 400 `OAUTH_EMAIL_NOT_VERIFIED`.
 */
export class UnverifiedProviderEmail extends TesseraError {
  override name = "UnverifiedProviderEmail";
  constructor() {
    super("the identity provider did not verify this email");
  }
}

/** The provider could not be reached in time, or answered a server error. The HTTP layer answers 503. */
export class ProviderUnavailable extends TesseraError {
  override name = "ProviderUnavailable";
  readonly provider: string;
  /**
   * Set when the provider refuses the app itself (a wrong client secret, an
   * issuer that is not one): what the operator must fix, logged by the routes.
   */
  readonly misconfiguration: string | null;
  constructor(provider: string, options?: { cause?: unknown; misconfiguration?: string }) {
    super(
      `the identity provider "${provider}" is unavailable${
        options?.misconfiguration ? `: ${options.misconfiguration}` : ""
      }`,
      options,
    );
    this.provider = provider;
    this.misconfiguration = options?.misconfiguration ?? null;
  }
}
