import type { HttpRequest } from "../../core/http-request.js";
import type { HttpResult } from "../../core/http-result.js";
import { ProviderRefused, ProviderUnavailable } from "../../oauth/provider-errors.js";
import { type OAuthFlow, providerUnavailable } from "./oauth-flow.js";

/** A scope as RFC 6749 allows one (printable ASCII but space, `"` and `\`). */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;

/**
 * `/authorize`'s answer: the provider's URL for a new state, and the cookie
 * that binds the state to this browser. A provider that cannot be discovered
 * (down, or not an issuer) answers 503.
 */
export async function authorizeResult<ID, Ctx>(
  flow: OAuthFlow<ID, Ctx>,
  request: HttpRequest,
  subject: string,
): Promise<HttpResult> {
  const scopes = new URL(request.url).searchParams
    .getAll("scopes")
    .flatMap((scope) => scope.split(" "))
    .filter((scope) => SCOPE.test(scope))
    .slice(0, 50);
  const issued = await flow.states.issue(subject);
  let url: URL;
  try {
    url = await flow.provider.authorizationUrl({
      redirectUri: flow.redirectUri,
      state: issued.state,
      codeChallenge: issued.codeChallenge,
      nonce: issued.nonce,
      scopes,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) return providerUnavailable(error);
    if (error instanceof ProviderRefused) {
      // Its discovery document is not an issuer's: the app's configuration, not the person.
      return providerUnavailable(
        new ProviderUnavailable(flow.provider.name, {
          cause: error,
          misconfiguration: "its discovery failed: check the issuer URL",
        }),
      );
    }
    throw error;
  }
  return {
    status: 200,
    body: { authorization_url: url.toString() },
    headers: { "cache-control": "no-store" },
    cookies: [flow.stateCookie(issued.cookie)],
  };
}
