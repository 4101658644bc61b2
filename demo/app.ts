import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import {
  AuthenticationBackend,
  accountEmailHooks,
  BearerTransport,
  type Clock,
  ConsoleMailer,
  CookieTransport,
  DatabaseStrategy,
  type Mailer,
  PasswordHelper,
  type RateLimitOptions,
  systemClock,
  Tessera,
  UserManager,
} from "tessera";
import {
  apiDocsRouter,
  authRouter,
  describeRoutes,
  handleError,
  methodNotAllowed,
  notFound,
  openApiDocument,
  registerRouter,
  resetPasswordRouter,
  usersRouter,
  verifyRouter,
} from "tessera/hono";
import { type ConnectOptions, connect, kyselyAdapter, migrateToLatest } from "tessera/kysely";
import { Outbox } from "./outbox.js";
import { validatePassword } from "./password-rule.js";

export interface DemoConfig {
  /** @default "sqlite:tessera.db" */
  databaseUrl?: string;
  /** Pool size and timeouts of the database. @default connect()'s */
  connectOptions?: ConnectOptions;
  /** @default 3600 */
  lifetimeSeconds?: number | null;
  clock?: Clock;
  passwordHelper?: PasswordHelper;
  /** Signs reset and verification tokens. @default TESSERA_SECRET, else random */
  secret?: string;
  /** Where the emails' links point. @default "http://127.0.0.1:8000" */
  baseUrl?: string;
  /** @default a ConsoleMailer */
  mailer?: Mailer;
  /** Serve `GET /_test/tokens/{email}` (tests only). @default false */
  exposeTokens?: boolean;
  /** Other origins allowed to send cookie-authenticated unsafe requests. @default [] */
  trustedOrigins?: string[];
  /** Rate limits of the auth routes; `false` turns them off. @default on, tessera's defaults */
  rateLimit?: RateLimitOptions | false;
  /** Proxies whose `X-Forwarded-For` is believed. @default [] */
  trustedProxies?: string[];
}

const PAGE = readFileSync(new URL("./page.html", import.meta.url), "utf8");

/**
 * The FastAPI Users "full example" shape: bearer backend at /auth, cookie
 * backend at /auth/cookie, register, reset-password and verify at /auth, users
 * at /users; plus a sign-in page at /, the OpenAPI document and /docs.
 */
export async function createDemoApp(config: DemoConfig = {}) {
  const {
    databaseUrl = "sqlite:tessera.db",
    lifetimeSeconds = 3600,
    clock = systemClock,
    passwordHelper = new PasswordHelper(),
    secret = process.env.TESSERA_SECRET ?? randomBytes(32).toString("base64url"),
    baseUrl = "http://127.0.0.1:8000",
    mailer = new ConsoleMailer(),
    exposeTokens = false,
    trustedOrigins = [],
    rateLimit = {},
    trustedProxies = [],
  } = config;
  const connection = await connect(databaseUrl, config.connectOptions);
  try {
    await migrateToLatest(connection.db);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const { users, accessTokens } = kyselyAdapter(connection.db);

  const outbox = new Outbox();
  const emails = accountEmailHooks(mailer, {
    appName: "the tessera demo",
    resetPasswordUrl: `${baseUrl}/?reset_token={token}`,
    verifyUrl: `${baseUrl}/?verify_token={token}`,
  });
  const manager = new UserManager(users, {
    passwordHelper,
    validatePassword,
    clock,
    resetPasswordTokenSecret: secret,
    verificationTokenSecret: secret,
    hooks: {
      onAfterForgotPassword(user, token, request) {
        outbox.record(user.email, "reset_password", token);
        return emails.onAfterForgotPassword?.(user, token, request);
      },
      onAfterRequestVerify(user, token, request) {
        outbox.record(user.email, "verify", token);
        return emails.onAfterRequestVerify?.(user, token, request);
      },
    },
  });
  const strategy = new DatabaseStrategy(accessTokens, { lifetimeSeconds, clock });
  const bearer = new AuthenticationBackend({
    name: "database",
    transport: new BearerTransport({ tokenUrl: "auth/login" }),
    getStrategy: () => strategy,
  });
  const cookie = new AuthenticationBackend({
    name: "cookie",
    transport: new CookieTransport({ cookieMaxAge: lifetimeSeconds, trustedOrigins }),
    getStrategy: () => strategy,
  });
  const tessera = new Tessera({
    getUserManager: () => manager,
    backends: [bearer, cookie],
    rateLimit: rateLimit && { clock, ...rateLimit },
    trustedProxies,
  });

  const mounts: [string, Hono][] = [
    ["/", healthRouter()],
    ["/auth", authRouter(tessera, bearer)],
    ["/auth/cookie", authRouter(tessera, cookie)],
    ["/auth", registerRouter(tessera)],
    ["/auth", resetPasswordRouter(tessera)],
    ["/auth", verifyRouter(tessera)],
    ["/users", usersRouter(tessera)],
  ];
  if (exposeTokens) mounts.push(["/", outbox.router()]);

  const app = new Hono();
  app.get("/", (c) => c.html(PAGE));
  app.all("/", methodNotAllowed(["GET"]));
  for (const [prefix, router] of mounts) app.route(prefix, router);
  const document = openApiDocument({
    title: "tessera demo",
    version: "0.1.0",
    description: "FastAPI Users' HTTP contract on the database token strategy.",
    mounts,
  });
  app.route("/", apiDocsRouter(document));
  app.notFound(notFound);
  app.onError(handleError);

  return {
    app,
    tessera,
    manager,
    strategy,
    outbox,
    document,
    db: connection.db,
    close: connection.close,
  };
}

function healthRouter(): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true }));
  app.all("/health", methodNotAllowed(["GET"]));
  return describeRoutes(app, [
    {
      method: "get",
      path: "/health",
      operationId: "health",
      summary: "Health check",
      tags: ["demo"],
      responses: {
        200: {
          description: "The server is up",
          schema: { type: "object", properties: { ok: { const: true } }, required: ["ok"] },
        },
      },
    },
  ]);
}
