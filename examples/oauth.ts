import Database from "better-sqlite3";
import { type Context, Hono } from "hono";
import { Kysely } from "kysely";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseStrategy,
  oauthAssociateRoutes,
  oauthRoutes,
  registerRoutes,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import { createSqliteDialect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";
import { githubProvider, openIdConnectProvider } from "tessera-auth/oauth";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

// The quick start's database: the migrations also make `oauth_account` (FastAPI Users' table).
const db = new Kysely<any>({
  dialect: createSqliteDialect(new Database(process.env.APP_DB ?? "app.db")),
});
await migrateToLatest(db);
const { users, accessTokens, oauthAccounts } = kyselyAdapter(db);

const userManager = new UserManager(users);
const bearer = new AuthenticationBackend({
  name: "database",
  transport: new BearerTransport({ tokenUrl: "auth/login" }),
  getStrategy: () => new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 }),
});
export const tessera = new Tessera<User, string, Context>({
  getUserManager: () => userManager,
  backends: [bearer],
});

// Any OpenID Connect provider by its issuer; GitHub, which is OAuth 2.0 only, by its API.
const google = openIdConnectProvider({
  name: "google",
  issuer: "https://accounts.google.com",
  clientId: env("GOOGLE_CLIENT_ID"),
  clientSecret: env("GOOGLE_CLIENT_SECRET"),
});
const github = githubProvider({
  clientId: env("GITHUB_CLIENT_ID"),
  clientSecret: env("GITHUB_CLIENT_SECRET"),
});

// Where the provider sends the browser back: register each callback URL at the provider.
const publicUrl = process.env.PUBLIC_URL ?? "http://localhost:8000";
// At least 32 bytes: signs the sign-ins' states and, under a key derived from it, encrypts the
// provider's tokens at rest.
const secret = env("APP_SECRET");

export const app = new Hono();
app.route("/auth", honoRoutes(authRoutes(tessera, bearer)));
app.route("/auth", honoRoutes(registerRoutes(tessera)));
// GET /users/me/oauth-accounts, DELETE /users/me/oauth-accounts/{oauth_name}, with /users/me.
app.route("/users", honoRoutes(usersRoutes(tessera, { oauthAccounts })));
for (const provider of [google, github]) {
  const flow = { accounts: oauthAccounts, stateSecret: secret, tokenEncryptionKey: secret };
  // GET /auth/{name}/authorize, GET /auth/{name}/callback: the callback answers as login does.
  const signIn = oauthRoutes(tessera, bearer, provider, {
    ...flow,
    redirectUrl: `${publicUrl}/auth/${provider.name}/callback`,
    // A first sign-in whose email is a user's links to that user, when both sides verified it.
    associateByEmail: true,
    isVerifiedByDefault: true,
  });
  app.route(`/auth/${provider.name}`, honoRoutes(signIn));
  // The same two routes for a signed-in user, linking the provider account to them.
  const link = oauthAssociateRoutes(tessera, provider, {
    ...flow,
    redirectUrl: `${publicUrl}/auth/associate/${provider.name}/callback`,
  });
  app.route(`/auth/associate/${provider.name}`, honoRoutes(link));
}
