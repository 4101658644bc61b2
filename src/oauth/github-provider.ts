import * as client from "openid-client";
import { type Clock, systemClock } from "../core/clock.js";
import { classifyProviderError } from "./classify-provider-error.js";
import type {
  AuthorizationRequest,
  AuthorizationResponse,
  OAuthProvider,
  ProviderIdentity,
} from "./provider.js";
import { ProviderRefused, ProviderUnavailable } from "./provider-errors.js";
import { checkProviderName } from "./provider-name.js";
import { providerTokens } from "./provider-tokens.js";

export interface GithubProviderOptions {
  /** @default "github" */
  name?: string;
  clientId: string;
  clientSecret: string;
  /** Scopes always asked for. @default ["read:user", "user:email"] */
  scopes?: readonly string[];
  /** GitHub Enterprise Server: its web and API roots. @default github.com's */
  webUrl?: string;
  apiUrl?: string;
  /** Seconds a call to GitHub may take before the sign-in answers 503. @default 10 */
  timeoutSeconds?: number;
  clock?: Clock;
}

/** One entry of GitHub's `GET /user/emails`. */
export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub: OAuth 2.0 without OpenID Connect (no ID token), so the person is
 * read from its API: the numeric id from `GET /user`, the email from `GET
 * /user/emails` — the primary address, verified only when GitHub says so.
 * The code exchange (with PKCE) is `openid-client`'s.
 *
 * @example
 * const github = githubProvider({
 *   clientId: process.env.GITHUB_CLIENT_ID!,
 *   clientSecret: process.env.GITHUB_CLIENT_SECRET!,
 * });
 */
export function githubProvider(options: GithubProviderOptions): OAuthProvider {
  const { name = "github", clientId, clientSecret, timeoutSeconds = 10 } = options;
  checkProviderName(name);
  if (!clientId) throw new TypeError(`OAuth provider "${name}": clientId is missing`);
  if (!clientSecret) throw new TypeError(`OAuth provider "${name}": clientSecret is missing`);
  if (!(timeoutSeconds > 0)) {
    throw new RangeError(`OAuth provider "${name}": timeoutSeconds must be positive`);
  }
  for (const [option, url] of [
    ["webUrl", options.webUrl],
    ["apiUrl", options.apiUrl],
  ] as const) {
    if (url !== undefined && !/^https:\/\/[^/]/.test(url)) {
      throw new TypeError(
        `OAuth provider "${name}": ${option} must be an https: URL, got "${url}"`,
      );
    }
  }
  const web = (options.webUrl ?? "https://github.com").replace(/\/+$/, "");
  const api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const scopes = options.scopes ?? ["read:user", "user:email"];
  const clock = options.clock ?? systemClock;
  const config = new client.Configuration(
    {
      issuer: web,
      authorization_endpoint: `${web}/login/oauth/authorize`,
      token_endpoint: `${web}/login/oauth/access_token`,
    },
    clientId,
    clientSecret,
    client.ClientSecretPost(clientSecret),
  );
  config.timeout = timeoutSeconds;

  async function get(path: string, accessToken: string): Promise<unknown> {
    const response = await client.fetchProtectedResource(
      config,
      accessToken,
      new URL(`${api}${path}`),
      "GET",
      undefined,
      new Headers({ accept: "application/vnd.github+json", "user-agent": "tessera-auth" }),
    );
    if (response.status >= 500 || response.status === 429) throw new ProviderUnavailable(name);
    if (!response.ok) throw new ProviderRefused("invalid_response");
    try {
      return await response.json();
    } catch (error) {
      throw new ProviderRefused("invalid_response", { cause: error });
    }
  }

  return {
    name,
    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope: [...new Set([...scopes, ...request.scopes])].join(" "),
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: "S256",
      });
    },
    async finish(response: AuthorizationResponse): Promise<ProviderIdentity> {
      try {
        const tokens = await client.authorizationCodeGrant(config, response.callbackUrl, {
          pkceCodeVerifier: response.codeVerifier,
          expectedState: response.state,
        });
        const user = (await get("/user", tokens.access_token)) as { id?: unknown };
        if (typeof user?.id !== "number" && typeof user?.id !== "string") {
          throw new ProviderRefused("invalid_response");
        }
        const emails = await get("/user/emails", tokens.access_token);
        const chosen = githubEmail(Array.isArray(emails) ? (emails as GithubEmail[]) : []);
        return {
          accountId: String(user.id),
          email: chosen?.email ?? null,
          emailVerified: chosen?.verified ?? false,
          tokens: providerTokens(tokens, clock),
        };
      } catch (error) {
        throw classifyProviderError(error, name);
      }
    },
  };
}

/** The address to sign in with: the primary one (verified or not: the caller decides what an unverified one may do). */
export function githubEmail(emails: readonly GithubEmail[]): GithubEmail | null {
  const primary = emails.find(
    (entry) => entry?.primary === true && typeof entry.email === "string",
  );
  return primary
    ? { email: primary.email, primary: true, verified: primary.verified === true }
    : null;
}
