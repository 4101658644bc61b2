import { Hono } from "hono";
import {
  AuthenticationBackend,
  BearerTransport,
  type Clock,
  CookieTransport,
  DatabaseStrategy,
  PasswordHelper,
  systemClock,
  Tessera,
  UserManager,
} from "tessera";
import {
  authRouter,
  handleError,
  methodNotAllowed,
  notFound,
  registerRouter,
  usersRouter,
} from "tessera/hono";
import { connect, kyselyAdapter, migrateToLatest } from "tessera/kysely";
import { validatePassword } from "./password-rule.js";

export interface DemoConfig {
  /** @default "sqlite:tessera.db" */
  databaseUrl?: string;
  /** @default 3600 */
  lifetimeSeconds?: number | null;
  clock?: Clock;
  passwordHelper?: PasswordHelper;
}

/**
 * The FastAPI Users "full example" shape: bearer backend at /auth, cookie
 * backend at /auth/cookie, register at /auth/register, users at /users.
 */
export async function createDemoApp(config: DemoConfig = {}) {
  const {
    databaseUrl = "sqlite:tessera.db",
    lifetimeSeconds = 3600,
    clock = systemClock,
    passwordHelper = new PasswordHelper(),
  } = config;
  const connection = await connect(databaseUrl);
  try {
    await migrateToLatest(connection.db);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const { users, accessTokens } = kyselyAdapter(connection.db);

  const manager = new UserManager(users, { passwordHelper, validatePassword });
  const strategy = new DatabaseStrategy(accessTokens, { lifetimeSeconds, clock });
  const bearer = new AuthenticationBackend({
    name: "database",
    transport: new BearerTransport({ tokenUrl: "auth/login" }),
    getStrategy: () => strategy,
  });
  const cookie = new AuthenticationBackend({
    name: "cookie",
    transport: new CookieTransport({ cookieMaxAge: lifetimeSeconds }),
    getStrategy: () => strategy,
  });
  const tessera = new Tessera({ getUserManager: () => manager, backends: [bearer, cookie] });

  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true }));
  app.all("/health", methodNotAllowed(["GET"]));
  app.route("/auth", authRouter(tessera, bearer));
  app.route("/auth/cookie", authRouter(tessera, cookie));
  app.route("/auth", registerRouter(tessera));
  app.route("/users", usersRouter(tessera));
  app.notFound(notFound);
  app.onError(handleError);

  return { app, tessera, manager, strategy, db: connection.db, close: connection.close };
}
