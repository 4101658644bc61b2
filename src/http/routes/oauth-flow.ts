import type { Clock } from "../../core/clock.js";
import { ErrorCode } from "../../core/errors.js";
import type { HttpRequest } from "../../core/http-request.js";
import { detail, type HttpResult } from "../../core/http-result.js";
import type { OAuthAccountDatabase } from "../../oauth/oauth-account.js";
import { type CheckedState, type OAuthFlowKind, OAuthStates } from "../../oauth/oauth-state.js";
import type { OAuthProvider, ProviderIdentity } from "../../oauth/provider.js";
import { ProviderRefused, ProviderUnavailable } from "../../oauth/provider-errors.js";
import type { ProviderAccountStore } from "../../oauth/provider-sign-in.js";
import { TokenCipher } from "../../oauth/token-cipher.js";
import { readCookie } from "../../transports/cookie-transport.js";
import { HttpError } from "../http-error.js";
import { MemoryRateLimitStore } from "../rate-limit/memory-rate-limit-store.js";
import type { RateLimitStore } from "../rate-limit/rate-limit-store.js";

/** The options both OAuth route groups take (FastAPI Users' names where it has them). */
export interface OAuthFlowOptions<ID, Ctx> {
  /** Where linked accounts live: the adapter's `oauthAccounts`, or one per request. */
  accounts: OAuthAccountDatabase<ID> | ((ctx: Ctx) => OAuthAccountDatabase<ID>);
  /** Signs states and derives PKCE verifiers: at least 32 bytes (FastAPI Users' `state_secret`). */
  stateSecret: string | Uint8Array;
  /**
   * Where the provider sends the browser back (FastAPI Users' `redirect_url`):
   * this group's `/callback`, or a page of the front end that calls it with
   * the same query. Register it at the provider. @default the request's URL
   * with `/authorize` replaced by `/callback` (behind a TLS proxy, give it)
   */
  redirectUrl?: string;
  /**
   * Encrypts the provider's tokens before they are stored (AES-256-GCM): at
   * least 32 bytes. Rows stored in clear (FastAPI Users') still read.
   * @default stored in clear, as FastAPI Users does
   */
  tokenEncryptionKey?: string | Uint8Array;
  /** Seconds between `/authorize` and its callback. @default 600 */
  stateLifetimeSeconds?: number;
  /**
   * Where each state's single use is recorded. @default the rate limiter's
   * store, else this process's memory (several instances: give a shared one,
   * such as `KyselyRateLimitStore` or the Redis one)
   */
  stateStore?: RateLimitStore;
  /** The state cookie's `Secure`. @default true unless the redirect URL (or the request) is `http:` */
  stateCookieSecure?: boolean;
  /** `SameSite` of the state cookie: `lax` lets the provider's redirect carry it. @default "lax" */
  stateCookieSameSite?: "lax" | "none";
  clock?: Clock;
}

/** The parts of an OAuth route group's options resolved once, at mounting. */
export interface OAuthFlow<ID, Ctx> {
  readonly provider: OAuthProvider;
  readonly states: OAuthStates;
  store(ctx: Ctx): ProviderAccountStore<ID>;
  redirectUri(request: HttpRequest): string;
  /** `Set-Cookie` for a new state, and the one that clears it. */
  stateCookie(value: string, request: HttpRequest): string;
  clearStateCookie(request: HttpRequest): string;
  /** The state cookie's value in a request. */
  stateCookieOf(request: HttpRequest): string | null;
  /** Records the state's use; `false` when it was used before. */
  claim(state: CheckedState): Promise<boolean>;
}

/** Options checked and resolved at mounting: a misconfiguration throws here, with the fix. */
export function oauthFlow<ID, Ctx>(
  provider: OAuthProvider,
  flow: OAuthFlowKind,
  options: OAuthFlowOptions<ID, Ctx>,
  fallbackStore: RateLimitStore | null,
): OAuthFlow<ID, Ctx> {
  const { accounts, redirectUrl, clock, stateCookieSameSite = "lax" } = options;
  if (!accounts) {
    throw new TypeError(
      `OAuth routes for "${provider.name}": accounts is missing (the adapter's oauthAccounts)`,
    );
  }
  if (redirectUrl !== undefined && !/^https?:\/\//.test(redirectUrl)) {
    throw new TypeError(
      `OAuth routes for "${provider.name}": redirectUrl must be an absolute http(s) URL, got "${redirectUrl}"`,
    );
  }
  const states = new OAuthStates({
    secret: options.stateSecret,
    provider: provider.name,
    flow,
    lifetimeSeconds: options.stateLifetimeSeconds,
    clock,
  });
  const cipher =
    options.tokenEncryptionKey === undefined
      ? null
      : new TokenCipher(options.tokenEncryptionKey, "OAuth tokenEncryptionKey");
  const claims = options.stateStore ?? fallbackStore ?? new MemoryRateLimitStore();
  const now = clock ?? (() => new Date());
  const cookieName = `tessera_oauth_${flow === "associate" ? "link_" : ""}${provider.name.replace(/-/g, "_")}`;
  const resolveAccounts = typeof accounts === "function" ? accounts : () => accounts;
  const redirectUri = (request: HttpRequest) =>
    redirectUrl ?? request.url.replace(/\/authorize(\?.*)?$/, "/callback");
  const secure = (request: HttpRequest) =>
    options.stateCookieSecure ?? !redirectUri(request).startsWith("http:");
  const cookie = (value: string, maxAge: number, request: HttpRequest) =>
    [
      `${cookieName}=${value}`,
      "HttpOnly",
      `Max-Age=${maxAge}`,
      "Path=/",
      `SameSite=${stateCookieSameSite === "none" ? "None" : "Lax"}`,
      secure(request) || stateCookieSameSite === "none" ? "Secure" : null,
    ]
      .filter((part) => part !== null)
      .join("; ");
  return {
    provider,
    states,
    store: (ctx) => ({ accounts: resolveAccounts(ctx), cipher }),
    redirectUri,
    stateCookie: (value, request) => cookie(value, states.lifetimeSeconds, request),
    clearStateCookie: (request) => cookie("", 0, request),
    stateCookieOf: (request) => readCookie(request.headers.get("cookie") ?? "", cookieName),
    async claim(state) {
      const windowMs = states.lifetimeSeconds * 1000;
      const { count } = await claims.hit(`oauth-state:${state.id}`, windowMs, now().getTime());
      return count === 1;
    },
  };
}

/** The callback's query: the provider's error, or the code and the state. */
export function callbackQuery(request: HttpRequest): URLSearchParams {
  return new URL(request.url).searchParams;
}

/**
 * The callback's common part: the provider's error, the state (this
 * browser's, this subject's, unexpired, first use), then the code exchanged
 * and validated by the provider. Answers (throws an {@link HttpError}) for
 * every refusal; the state cookie is cleared on each.
 */
export async function finishAtProvider<ID, Ctx>(
  flow: OAuthFlow<ID, Ctx>,
  request: HttpRequest,
  subject: string,
): Promise<ProviderIdentity & { email: string }> {
  const clear = [flow.clearStateCookie(request)];
  const refuse = (status: number, value: string | Record<string, unknown>): never => {
    const result: HttpResult = detail(status, value);
    throw new HttpError({ ...result, cookies: clear });
  };
  const query = callbackQuery(request);
  const error = query.get("error");
  if (error !== null) {
    // The provider's code, when it is one (`access_denied`); never other text from the URL.
    const reason = /^[a-z_]{1,64}$/.test(error) ? error : "unknown_error";
    refuse(400, { code: ErrorCode.OAUTH_PROVIDER_ERROR, reason });
  }
  const state = query.get("state");
  const code = query.get("code");
  if (!state) return refuse(400, ErrorCode.OAUTH_INVALID_STATE);
  const checked = await flow.states.check(state, flow.stateCookieOf(request), subject);
  if (checked === null || !(await flow.claim(checked))) {
    return refuse(400, ErrorCode.OAUTH_INVALID_STATE);
  }
  if (!code) return refuse(400, ErrorCode.OAUTH_INVALID_CODE);
  const callbackUrl = new URL(flow.redirectUri(request));
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
    if (error instanceof ProviderUnavailable) {
      throw new HttpError({
        ...detail(503, ErrorCode.OAUTH_PROVIDER_UNAVAILABLE, { "retry-after": "5" }),
        cookies: clear,
      });
    }
    if (error instanceof ProviderRefused) {
      if (error.reason === "invalid_code") refuse(400, ErrorCode.OAUTH_INVALID_CODE);
      if (error.reason === "invalid_id_token") refuse(400, ErrorCode.OAUTH_INVALID_ID_TOKEN);
      refuse(400, { code: ErrorCode.OAUTH_PROVIDER_ERROR, reason: "invalid_response" });
    }
    throw error;
  }
  const email = identity.email;
  if (email === null) return refuse(400, ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL);
  return { ...identity, email };
}

/** `/authorize`'s answer: the provider's URL, and the state cookie for this browser. */
export async function authorizeResult<ID, Ctx>(
  flow: OAuthFlow<ID, Ctx>,
  request: HttpRequest,
  subject: string,
): Promise<HttpResult> {
  const scopes = callbackQuery(request)
    .getAll("scopes")
    .flatMap((scope) => scope.split(" "))
    .filter((scope) => /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/.test(scope));
  const issued = await flow.states.issue(subject);
  let url: URL;
  try {
    url = await flow.provider.authorizationUrl({
      redirectUri: flow.redirectUri(request),
      state: issued.state,
      codeChallenge: issued.codeChallenge,
      nonce: issued.nonce,
      scopes,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) {
      return detail(503, ErrorCode.OAUTH_PROVIDER_UNAVAILABLE, { "retry-after": "5" });
    }
    throw error;
  }
  return {
    status: 200,
    body: { authorization_url: url.toString() },
    headers: { "cache-control": "no-store" },
    cookies: [flow.stateCookie(issued.cookie, request)],
  };
}
