import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Configuration } from "oidc-provider";
import { interactionRoutes } from "./idp/interaction-routes.js";
import { memoryAdapter } from "./idp/memory-adapter.js";
import { logoutPage, messagePage } from "./idp/pages.js";
import { claimsOf, type IdpUser, testUsers } from "./idp/test-users.js";

export { type IdpUser, testUsers } from "./idp/test-users.js";

/** An app registered at the provider (a confidential client). */
export interface IdpClient {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs; the provider sends the browser to no other. */
  redirectUris: string[];
  /** Shown on the login page. @default clientId */
  name?: string;
}

export interface IdpOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  clients: IdpClient[];
  /** Who can sign in. @default testUsers (alice, bob with an unverified email, carol) */
  users?: readonly IdpUser[];
  /** @default 3600 */
  accessTokenTtlSeconds?: number;
}

/** Rewrites the ID token the token endpoint is about to answer (a forged one, say). */
export type IdTokenTamper = (idToken: string) => string | Promise<string>;

/** The RS256 private JWK the provider signs ID tokens with. */
export type SigningKey = JWK & { kid: string; alg: "RS256" };

/** A running OpenID provider. */
export interface Idp {
  /** `http://127.0.0.1:PORT`: discovery at `${issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly users: readonly IdpUser[];
  /** Generated at start; its public half is at the provider's jwks_uri. */
  readonly signingKey: SigningKey;
  /** When set, the token endpoint answers the ID token this returns instead of its own. */
  tamperIdToken: IdTokenTamper | null;
  close(): Promise<void>;
}

/**
 * Starts a real OpenID provider (oidc-provider) on `host:port`: the authorization code flow only,
 * with PKCE S256 required, scopes `openid email profile` (the ID token carries the claims they
 * ask for), client auth `client_secret_basic` or `client_secret_post`, a login form of its own
 * and consent granted without asking. State is in memory and ends with `close()`.
 *
 * @example
 * const idp = await startIdp({
 *   clients: [{ clientId: "app", clientSecret: "s3cret", redirectUris: ["http://127.0.0.1:8000/auth/oidc/callback"] }],
 * });
 * // discovery: new URL(idp.issuer); sign in as alice@example.com / alice-password
 * await idp.close();
 */
export async function startIdp(options: IdpOptions): Promise<Idp> {
  const { port = 0, host = "127.0.0.1", users = testUsers } = options;
  const signingKey = await generateSigningKey();
  let handle = notReady;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => serverError(res, error));
  });
  await listen(server, port, host);
  const { port: boundPort } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;

  const provider = new Provider(issuer, configuration(options, users, signingKey));
  provider.on("server_error", (_ctx, error) => console.error("idp: server error:", error));
  let closing: Promise<void> | undefined;
  const idp: Idp = {
    issuer,
    users,
    signingKey,
    tamperIdToken: null,
    close: () => {
      closing ??= close(server);
      return closing;
    },
  };
  provider.use(async function tamperIdToken(ctx, next) {
    await next();
    const tamper = idp.tamperIdToken;
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (tamper && ctx.oidc?.route === "token" && typeof body?.id_token === "string") {
      ctx.body = { ...body, id_token: await tamper(body.id_token) };
    }
  });
  const interactions = interactionRoutes(provider, users);
  const providerCallback = provider.callback();
  handle = async (req, res) => {
    if (!(await interactions(req, res))) await providerCallback(req, res);
  };
  return idp;
}

function configuration(
  options: IdpOptions,
  users: readonly IdpUser[],
  signingKey: SigningKey,
): Configuration {
  return {
    adapter: memoryAdapter(),
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      client_name: client.name ?? client.clientId,
      redirect_uris: client.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      // Registered as basic; oidc-provider takes client_secret_post from the same client too.
      token_endpoint_auth_method: "client_secret_basic",
    })),
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    clientBasedCORS: () => false,
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
    },
    // The scopes' claims go in the ID token too, not only userinfo (as Google's do).
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: { host: string; body: unknown }, form: string) => {
          ctx.body = logoutPage(ctx.host, form);
        },
        postLogoutSuccessSource: async (ctx: { body: unknown }) => {
          ctx.body = messagePage("Signed out", ["You are signed out of this provider."]);
        },
      },
    },
    async findAccount(_ctx, sub) {
      const user = users.find((candidate) => candidate.sub === sub);
      return user && { accountId: sub, claims: async () => claimsOf(user) };
    },
    jwks: { keys: [structuredClone(signingKey)] },
    pkce: { methods: ["S256"], required: () => true },
    async renderError(ctx, out) {
      ctx.type = "html";
      const lines = Object.entries(out).map(([key, value]) => `${key}: ${value ?? ""}`);
      ctx.body = messagePage("Sign-in error", lines);
    },
    responseTypes: ["code"],
    scopes: ["openid"],
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      AuthorizationCode: 60,
      Grant: 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
    },
  };
}

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "RS256", use: "sig" };
}

async function notReady(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.statusCode = 503;
  res.end();
}

function serverError(res: ServerResponse, error: unknown): void {
  console.error("idp: unhandled error:", error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 500;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.end(messagePage("Server error", ["The provider failed; its console says why."]));
}

/** Resolves once listening; rejects with the listen error (its `code`: EADDRINUSE, …). */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
