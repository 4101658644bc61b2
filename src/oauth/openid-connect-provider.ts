import * as client from "openid-client";
import { type Clock, systemClock } from "../core/clock.js";
import { classifyProviderError } from "./classify-provider-error.js";
import type {
  AuthorizationRequest,
  AuthorizationResponse,
  OAuthProvider,
  ProviderIdentity,
} from "./provider.js";
import { ProviderRefused } from "./provider-errors.js";
import { checkProviderName } from "./provider-name.js";
import { providerTokens } from "./provider-tokens.js";

export interface OpenIdConnectProviderOptions {
  /** Mounted at `/auth/{name}`, stored as `oauth_name`. @default "oidc" */
  name?: string;
  /** The issuer URL (`https://accounts.google.com`); its discovery document is read from there. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Scopes always asked for. @default ["openid", "email", "profile"] */
  scopes?: readonly string[];
  /**
   * More parameters of the authorization request: `{ access_type: "offline", prompt:
   * "consent" }` (a Google refresh token), `{ hd: "example.com" }`. @default none
   */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Seconds a call to the provider may take before the sign-in answers 503. @default 10 */
  timeoutSeconds?: number;
  clock?: Clock;
}

/** Parameters the flow sets itself: `authorizationParams` cannot change them. */
const FLOW_PARAMETERS = new Set([
  "client_id",
  "redirect_uri",
  "response_type",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
]);

/**
 * Any OpenID Connect provider, by its issuer URL: discovery and keys read
 * once (and again after a failure), the authorization code flow with PKCE
 * (S256) and a `nonce`, the ID token validated by `openid-client` (signature
 * against the provider's keys, issuer, audience, expiry, nonce). Google,
 * Microsoft, Okta, Auth0 and Keycloak are configurations of it; Apple is not
 * supported (its callback is a cross-site form POST, and its client secret a
 * JWT that expires: see docs/oauth.md, "Apple"). An `http:` issuer is
 * accepted on a loopback address only (a local provider).
 *
 * @example
 * const google = openIdConnectProvider({
 *   name: "google",
 *   issuer: "https://accounts.google.com",
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 * });
 */
export function openIdConnectProvider(options: OpenIdConnectProviderOptions): OAuthProvider {
  return new OpenIdConnectProvider(options);
}

class OpenIdConnectProvider implements OAuthProvider {
  readonly name: string;
  readonly #issuer: URL;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #scopes: readonly string[];
  readonly #params: Readonly<Record<string, string>>;
  readonly #timeoutSeconds: number;
  readonly #clock: Clock;
  #config: Promise<client.Configuration> | null = null;

  constructor(options: OpenIdConnectProviderOptions) {
    const { name = "oidc", clientId, clientSecret, timeoutSeconds = 10 } = options;
    this.name = checkProviderName(name);
    this.#issuer = checkIssuer(options.issuer, this.name);
    if (typeof clientId !== "string" || clientId.length === 0) {
      throw new TypeError(`OAuth provider "${this.name}": clientId is missing`);
    }
    if (typeof clientSecret !== "string" || clientSecret.length === 0) {
      throw new TypeError(`OAuth provider "${this.name}": clientSecret is missing`);
    }
    if (!(timeoutSeconds > 0)) {
      throw new RangeError(`OAuth provider "${this.name}": timeoutSeconds must be positive`);
    }
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#scopes = options.scopes ?? ["openid", "email", "profile"];
    this.#params = options.authorizationParams ?? {};
    for (const key of Object.keys(this.#params)) {
      if (FLOW_PARAMETERS.has(key)) {
        throw new TypeError(
          `OAuth provider "${this.name}": authorizationParams cannot set "${key}" (the flow sets it)`,
        );
      }
    }
    this.#timeoutSeconds = timeoutSeconds;
    this.#clock = options.clock ?? systemClock;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const config = await this.#configuration();
    return client.buildAuthorizationUrl(config, {
      ...this.#params,
      redirect_uri: request.redirectUri,
      scope: [...new Set([...this.#scopes, ...request.scopes])].join(" "),
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: "S256",
    });
  }

  async finish(response: AuthorizationResponse): Promise<ProviderIdentity> {
    const config = await this.#configuration();
    try {
      const tokens = await client.authorizationCodeGrant(config, response.callbackUrl, {
        pkceCodeVerifier: response.codeVerifier,
        expectedState: response.state,
        expectedNonce: response.nonce,
      });
      const claims = tokens.claims();
      if (!claims) throw new ProviderRefused("invalid_id_token");
      let email = typeof claims.email === "string" ? claims.email : null;
      let verified = claims.email_verified;
      if (email === null && tokens.access_token) {
        // Some providers put the email in userinfo only.
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        email = typeof info.email === "string" ? info.email : null;
        verified = info.email_verified;
      }
      return {
        accountId: claims.sub,
        email,
        // Some providers send the string "true".
        emailVerified: email !== null && (verified === true || verified === "true"),
        tokens: providerTokens(tokens, this.#clock),
      };
    } catch (error) {
      throw classifyProviderError(error, this.name);
    }
  }

  /** The provider's metadata and keys' location, discovered once; a failed discovery is tried again next time. */
  #configuration(): Promise<client.Configuration> {
    if (this.#config === null) {
      const loopback = this.#issuer.protocol === "http:";
      this.#config = client
        .discovery(
          this.#issuer,
          this.#clientId,
          { client_secret: this.#clientSecret },
          // Basic unless the provider says it takes only client_secret_post (Apple).
          (server, ...rest) => clientAuthentication(server, this.#clientSecret)(server, ...rest),
          {
            timeout: this.#timeoutSeconds,
            execute: loopback ? [client.allowInsecureRequests] : [],
          },
        )
        .then((config) => {
          // The ID token's signature is checked against the provider's keys even
          // over TLS (openid-client leaves that to TLS by default).
          client.enableNonRepudiationChecks(config);
          return config;
        })
        .catch((error: unknown) => {
          this.#config = null;
          throw classifyProviderError(error, this.name);
        });
    }
    return this.#config;
  }
}

/** How the client authenticates at the token endpoint: `client_secret_basic` unless the provider supports only `client_secret_post`. */
function clientAuthentication(server: client.ServerMetadata, secret: string): client.ClientAuth {
  const supported = server.token_endpoint_auth_methods_supported;
  return supported?.includes("client_secret_basic") !== false
    ? client.ClientSecretBasic(secret)
    : client.ClientSecretPost(secret);
}

function checkIssuer(issuer: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`OAuth provider "${name}": issuer "${issuer}" is not a URL`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new TypeError(
      `OAuth provider "${name}": issuer must be an https: URL (http: only on 127.0.0.1 or localhost), got "${issuer}"`,
    );
  }
  return url;
}
