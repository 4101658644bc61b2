import { ClientError, ResponseBodyError, WWWAuthenticateChallengeError } from "openid-client";
import { ProviderRefused, ProviderUnavailable } from "./provider-errors.js";

/** Token-endpoint errors about the app, not the person's sign-in. */
const APP_REFUSED = new Set([
  "invalid_client",
  "unauthorized_client",
  // GitHub's, in a 200 answer.
  "incorrect_client_credentials",
]);

/** What openid-client (oauth4webapi) says of a JWT that failed validation: the ID token's. */
const ID_TOKEN_FAILURE = /JWT|JWS|ID Token|KEY_SELECTION|signature/i;

/**
 * What an error from talking to a provider means for the caller: the
 * provider could not be reached in time or failed ({@link ProviderUnavailable},
 * a 503), or refused the code or sent what does not validate
 * ({@link ProviderRefused}, a 400). Anything else is a bug and is rethrown as is.
 */
export function classifyProviderError(error: unknown, provider: string): Error {
  if (error instanceof ProviderRefused || error instanceof ProviderUnavailable) return error;
  if (unreachable(error)) return new ProviderUnavailable(provider, { cause: error });
  if (error instanceof WWWAuthenticateChallengeError) {
    return new ProviderUnavailable(provider, {
      cause: error,
      misconfiguration: `it refused the app's credentials (HTTP ${error.status}): check the client id and secret`,
    });
  }
  if (error instanceof ResponseBodyError && APP_REFUSED.has(error.error)) {
    return new ProviderUnavailable(provider, {
      cause: error,
      misconfiguration: `it answered "${error.error}": check the client id, secret and its registration`,
    });
  }
  if (error instanceof ResponseBodyError) {
    return error.status >= 500
      ? new ProviderUnavailable(provider, { cause: error })
      : new ProviderRefused("invalid_code", { cause: error });
  }
  if (error instanceof ClientError) {
    const status = error.cause instanceof Response ? error.cause.status : 0;
    if (status >= 500 || status === 429) return new ProviderUnavailable(provider, { cause: error });
    const cause = error.cause instanceof Error ? error.cause : null;
    // An OAuth error in a 200 answer (GitHub's token endpoint: `bad_verification_code`).
    const body = (cause?.cause as { body?: { error?: unknown } } | undefined)?.body;
    if (typeof body?.error === "string") {
      return APP_REFUSED.has(body.error)
        ? new ProviderUnavailable(provider, {
            cause: error,
            misconfiguration: `it answered "${body.error}": check the client id and secret`,
          })
        : new ProviderRefused("invalid_code", { cause: error });
    }
    const said = `${error.code ?? ""} ${cause?.message ?? ""} ${(cause as { code?: string })?.code ?? ""}`;
    if (ID_TOKEN_FAILURE.test(said))
      return new ProviderRefused("invalid_id_token", { cause: error });
    return new ProviderRefused("invalid_response", { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A network failure or a timeout anywhere in the error's causes: fetch's `TypeError: fetch failed`, an abort. */
function unreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current.name === "TimeoutError" || current.name === "AbortError") return true;
    if ((current as { code?: string }).code === "OAUTH_TIMEOUT") return true;
    if (current instanceof TypeError && current.message === "fetch failed") return true;
    current = current.cause;
  }
  return false;
}
