import Database from "better-sqlite3";
import { type Context, Hono } from "hono";
import { Kysely } from "kysely";
import {
  AuthenticationBackend,
  accountEmailHooks,
  apiDocsRoutes,
  authRoutes,
  BearerTransport,
  ConsoleMailer,
  CookieTransport,
  DatabaseStrategy,
  type Mount,
  openApiDocument,
  registerRoutes,
  resetPasswordRoutes,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
  verifyRoutes,
} from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import { createSqliteDialect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";

const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
await migrateToLatest(db);
const { users, accessTokens } = kyselyAdapter(db);

// Reset and verification tokens are HS256 JWTs signed with this (32 bytes at least).
const secret = process.env.TESSERA_SECRET ?? "development secret, 32 bytes or more";
// Prints emails; in production: new SmtpMailer({ transport: process.env.SMTP_URL, from }) from "tessera-auth/smtp".
const mailer = new ConsoleMailer();

const userManager = new UserManager(users, {
  resetPasswordTokenSecret: secret,
  verificationTokenSecret: secret,
  hooks: accountEmailHooks(mailer, {
    resetPasswordUrl: "https://app.example.com/reset-password?token={token}",
    verifyUrl: "https://app.example.com/verify?token={token}",
  }),
});

const strategy = new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 });
const bearer = new AuthenticationBackend({
  name: "database",
  transport: new BearerTransport({ tokenUrl: "auth/login" }),
  getStrategy: () => strategy,
});
const cookie = new AuthenticationBackend({
  name: "cookie",
  // Unsafe cookie requests must come from this server's origin or a trusted one (CSRF).
  transport: new CookieTransport({
    cookieMaxAge: 3600,
    trustedOrigins: ["https://app.example.com"],
  }),
  getStrategy: () => strategy,
});
export const tessera = new Tessera<User, string, Context>({
  getUserManager: () => userManager,
  backends: [bearer, cookie],
});

// Every route group once, where it is mounted: the app and its OpenAPI document share this list.
const mounts: Mount<Context>[] = [
  ["/auth", authRoutes(tessera, bearer)],
  ["/auth/cookie", authRoutes(tessera, cookie)],
  ["/auth", registerRoutes(tessera)],
  ["/auth", resetPasswordRoutes(tessera)],
  ["/auth", verifyRoutes(tessera)],
  ["/users", usersRoutes(tessera)],
];
const document = openApiDocument({ title: "My app", version: "1.0.0", mounts });
// GET /openapi.json and GET /docs (Swagger UI from the swagger-ui-dist package, no CDN).
mounts.push(["/", apiDocsRoutes(document)]);
export const app = new Hono();
for (const [prefix, routes] of mounts) app.route(prefix, honoRoutes(routes));
