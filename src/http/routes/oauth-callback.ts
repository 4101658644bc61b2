import { ErrorCode } from "../../core/errors.js";
import type { HttpRequest } from "../../core/http-request.js";
import { detail, type HttpResult } from "../../core/http-result.js";
import type { ProviderIdentity } from "../../oauth/provider.js";
import { ProviderRefused, ProviderUnavailable } from "../../oauth/provider-errors.js";
import type { IdentityWithEmail } from "../../oauth/provider-sign-in.js";
import { HttpError } from "../http-error.js";
import { type OAuthFlow, providerUnavailable } from "./oauth-flow.js";

/** The errors RFC 6749 and OpenID Connect define for an authorization response. */
const PROVIDER_ERRORS = new Set([
  "access_denied",
  "invalid_request",
  "unauthorized_client",
  "unsupported_response_type",
  "invalid_scope",
  "interaction_required",
  "login_required",
  "account_selection_required",
  "consent_required",
  "invalid_request_uri",
  "invalid_request_object",
  "request_not_supported",
  "request_uri_not_supported",
  "registration_not_supported",
]);

/** What the provider's own trouble is: try again later. */
const PROVIDER_TROUBLE = new Set(["server_error", "temporarily_unavailable"]);

const REFUSALS: Record<ProviderRefused["reason"], string | Record<string, string>> = {
  invalid_code: ErrorCode.OAUTH_INVALID_CODE,
  invalid_id_token: ErrorCode.OAUTH_INVALID_ID_TOKEN,
  invalid_response: { code: ErrorCode.OAUTH_PROVIDER_ERROR, reason: "invalid_response" },
};

/**
 * The callback's common part: the state (this browser's, this subject's,
 * unexpired, first use), the provider's error if it sent one, then the code
 * exchanged and the answer validated by the provider's client. Throws an
 * {@link HttpError} with the answer for every refusal; the state cookie is
 * cleared once the state is this browser's (a stranger's link cannot end a
 * sign-in in progress).
 */
export async function finishAtProvider<ID, Ctx>(
  flow: OAuthFlow<ID, Ctx>,
  request: HttpRequest,
  subject: string,
): Promise<IdentityWithEmail> {
  let clear: string[] = [];
  const refuse = (result: HttpResult): never => {
    throw new HttpError({ ...result, cookies: clear });
  };
  const query = new URL(request.url).searchParams;
  const state = query.get("state");
  if (!state) return refuse(detail(400, ErrorCode.OAUTH_INVALID_STATE));
  const checked = await flow.states.check(state, flow.stateCookieOf(request), subject);
  if (checked === null) return refuse(detail(400, ErrorCode.OAUTH_INVALID_STATE));
  clear = [flow.clearStateCookie];
  if (!(await flow.claim(checked))) return refuse(detail(400, ErrorCode.OAUTH_INVALID_STATE));
  const error = query.get("error");
  if (error !== null) {
    if (PROVIDER_TROUBLE.has(error)) {
      return refuse(providerUnavailable(new ProviderUnavailable(flow.provider.name)));
    }
    const reason = PROVIDER_ERRORS.has(error) ? error : "unknown_error";
    return refuse(detail(400, { code: ErrorCode.OAUTH_PROVIDER_ERROR, reason }));
  }
  if (!query.get("code")) return refuse(detail(400, ErrorCode.OAUTH_INVALID_CODE));
  const callbackUrl = new URL(flow.redirectUri);
  callbackUrl.search = query.toString();
  let identity: ProviderIdentity;
  try {
    identity = await flow.provider.finish({
      callbackUrl,
      state,
      codeVerifier: checked.codeVerifier,
      nonce: checked.nonce,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) return refuse(providerUnavailable(error));
    if (error instanceof ProviderRefused) return refuse(detail(400, REFUSALS[error.reason]));
    throw error;
  }
  const { email } = identity;
  if (email === null) return refuse(detail(400, ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL));
  return { ...identity, email };
}
