import type { Clock } from "../../core/clock.js";
import { ErrorCode } from "../../core/errors.js";
import type { HttpRequest } from "../../core/http-request.js";
import { detail, type HttpResult } from "../../core/http-result.js";
import type { OAuthAccountDatabase } from "../../oauth/oauth-account.js";
import { type CheckedState, type OAuthFlowKind, OAuthStates } from "../../oauth/oauth-state.js";
import type { OAuthProvider } from "../../oauth/provider.js";
import type { ProviderUnavailable } from "../../oauth/provider-errors.js";
import type { ProviderAccountStore } from "../../oauth/provider-sign-in.js";
import { TokenCipher } from "../../oauth/token-cipher.js";
import { readCookie } from "../../transports/cookie-transport.js";
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
   * this group's `/callback` as the public sees it
   * (`https://app.example.com/auth/google/callback`), or a page of the front
   * end that calls it with the same query. Register it at the provider.
   * Required: derived from a request, it would follow the `Host` header.
   */
  redirectUrl: string;
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
  /**
   * `SameSite` of the state cookie: `lax` lets the provider's redirect carry
   * it. The cookie is `Secure` and named `__Host-…` when the redirect URL is
   * `https:`. @default "lax"
   */
  stateCookieSameSite?: "lax" | "none";
  clock?: Clock;
}

/** The parts of an OAuth route group's options resolved once, at mounting. */
export interface OAuthFlow<ID, Ctx> {
  readonly provider: OAuthProvider;
  readonly states: OAuthStates;
  readonly redirectUri: string;
  store(ctx: Ctx): ProviderAccountStore<ID>;
  /** `Set-Cookie` for a new state. */
  stateCookie(value: string): string;
  /** `Set-Cookie` that clears it. */
  readonly clearStateCookie: string;
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
  const where = `OAuth routes for "${provider.name}"`;
  if (!accounts) throw new TypeError(`${where}: accounts is missing (the adapter's oauthAccounts)`);
  if (typeof redirectUrl !== "string" || !/^https?:\/\/[^/]/.test(redirectUrl)) {
    throw new TypeError(
      `${where}: redirectUrl must be the callback's absolute http(s) URL, as registered at the provider (got ${JSON.stringify(redirectUrl)})`,
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
  const secure = redirectUrl.startsWith("https:") || stateCookieSameSite === "none";
  // `__Host-`: a sibling subdomain cannot set a cookie of this name to plant its own state.
  const cookieName = `${secure ? "__Host-" : ""}tessera_oauth_${flow === "associate" ? "link_" : ""}${provider.name.replace(/-/g, "_")}`;
  const cookie = (value: string, maxAge: number) =>
    [
      `${cookieName}=${value}`,
      "HttpOnly",
      `Max-Age=${maxAge}`,
      "Path=/",
      `SameSite=${stateCookieSameSite === "none" ? "None" : "Lax"}`,
      secure ? "Secure" : null,
    ]
      .filter((part) => part !== null)
      .join("; ");
  const resolveAccounts = typeof accounts === "function" ? accounts : () => accounts;
  return {
    provider,
    states,
    redirectUri: redirectUrl,
    store: (ctx) => ({ accounts: resolveAccounts(ctx), cipher }),
    stateCookie: (value) => cookie(value, states.lifetimeSeconds),
    clearStateCookie: cookie("", 0),
    stateCookieOf: (request) => readCookie(request.headers.get("cookie") ?? "", cookieName),
    async claim(state) {
      const windowMs = states.lifetimeSeconds * 1000;
      const { count } = await claims.hit(`oauth-state:${state.id}`, windowMs, now().getTime());
      return count === 1;
    },
  };
}

/**
 * 503 `OAUTH_PROVIDER_UNAVAILABLE` with `Retry-After`; a provider that
 * refuses the app itself is logged as one line with the fix (never a secret).
 */
export function providerUnavailable(error: ProviderUnavailable): HttpResult {
  if (error.misconfiguration !== null) {
    console.error(`tessera: OAuth provider "${error.provider}": ${error.misconfiguration}`);
  }
  return detail(503, ErrorCode.OAUTH_PROVIDER_UNAVAILABLE, { "retry-after": "5" });
}
