import { ClientError, ResponseBodyError } from "openid-client";
import { ProviderRefused, ProviderUnavailable } from "./provider-errors.js";

/** Error codes of a JWT that failed validation (openid-client's, from oauth4webapi). */
const ID_TOKEN_CODES = /JWT|JWS|KEY_SELECTION|SIGNATURE/;

/**
 * What an error from talking to a provider means for the caller: the
 * provider could not be reached in time or failed ({@link ProviderUnavailable},
 * a 503), or refused the code or sent what does not validate
 * ({@link ProviderRefused}, a 400). Anything else is a bug and is rethrown as is.
 */
export function classifyProviderError(error: unknown, provider: string): Error {
  if (error instanceof ProviderRefused || error instanceof ProviderUnavailable) return error;
  if (unreachable(error)) return new ProviderUnavailable(provider, { cause: error });
  if (error instanceof ResponseBodyError) {
    return error.status >= 500
      ? new ProviderUnavailable(provider, { cause: error })
      : new ProviderRefused("invalid_code", { cause: error });
  }
  if (error instanceof ClientError) {
    const status = error.cause instanceof Response ? error.cause.status : 0;
    if (status >= 500 || status === 429) return new ProviderUnavailable(provider, { cause: error });
    if (ID_TOKEN_CODES.test(error.code ?? "")) {
      return new ProviderRefused("invalid_id_token", { cause: error });
    }
    return new ProviderRefused("invalid_response", { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A network failure or a timeout: fetch's `TypeError: fetch failed`, an abort. */
function unreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "TimeoutError" || error.name === "AbortError") return true;
  return error instanceof TypeError && error.message === "fetch failed";
}
