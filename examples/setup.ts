import { randomBytes } from "node:crypto";
import {
  AuthenticationBackend,
  accountEmailHooks,
  apiDocsRoutes,
  authRoutes,
  BearerTransport,
  type Clock,
  ConsoleMailer,
  CookieTransport,
  DatabaseStrategy,
  JwtStrategy,
  json,
  type Mailer,
  type Mount,
  oauthAssociateRoutes,
  oauthRoutes,
  openApiDocument,
  PasswordHelper,
  type RateLimitOptions,
  type RevocationChannel,
  type Route,
  registerRoutes,
  resetPasswordRoutes,
  SessionCache,
  type Strategy,
  schedulePurge,
  systemClock,
  Tessera,
  TesseraEvents,
  type User,
  UserManager,
  usersRoutes,
  verifyRoutes,
} from "tessera-auth";
import {
  type ConnectOptions,
  postgresChannel,
  revocationLogChannel,
  type SchemaOptions,
} from "tessera-auth/kysely";
import { pingRedis, RedisStrategy, redisChannel } from "tessera-auth/redis";
import { Outbox } from "./outbox.js";
import { validatePassword } from "./password-rule.js";
import { DatabaseOpenError } from "./startup-error.js";
import { noSqlDatabase, openStore, type SqlAdapterName, type Store } from "./stores.js";

/**
 * The tessera setup the three example apps (Hono, Express, Fastify) and the
 * demo share: nothing in it depends on a framework. Each app mounts `mounts`
 * with its framework's integration and adds its own routes.
 */
export interface SetupConfig {
  /**
   * SQLite, PostgreSQL or MySQL (`sqlite:`, `postgres://`, `mysql://`) through the Kysely
   * adapter, or MongoDB (`mongodb://`) through the MongoDB adapter. @default "sqlite:tessera.db"
   */
  databaseUrl?: string;
  /** Pool size and timeouts of the database. @default connect()'s */
  connectOptions?: ConnectOptions;
  /** The adapter of a SQL database: `kysely`, or `drizzle` (over its own driver connection). @default "kysely" */
  adapter?: SqlAdapterName;
  /** @default 3600 */
  lifetimeSeconds?: number | null;
  /** Sessions a user may have at once (the oldest end at login). @default no limit */
  maxSessionsPerUser?: number | null;
  /** What a login past the cap does. @default "evict-oldest" */
  sessionCapPolicy?: "evict-oldest" | "refuse";
  /** Seconds a session lives unused (sliding; `lifetimeSeconds` stays the cap). @default none */
  idleTimeoutSeconds?: number | null;
  /**
   * Rotating refresh tokens on the bearer backend (`POST /auth/refresh`);
   * `lifetimeSeconds` is then the access tokens' lifetime. @default false
   */
  refreshTokens?: boolean;
  /** Password and email changes, and ending all sessions, need a login this recent. @default off */
  freshSessionSeconds?: number | null;
  /**
   * What a token is: `database` (tessera's own, sessions in the tables),
   * `redis` (sessions in Redis at `redisUrl`) or `jwt` (signed with `secret`,
   * not revocable). @default "database"
   */
  strategy?: "database" | "redis" | "jwt";
  /** The Redis server of `strategy: "redis"`, and of the cache's channel when set. */
  redisUrl?: string;
  /**
   * Serve authenticated requests from an in-process session cache, invalidated
   * across instances through Redis (with `redisUrl`), PostgreSQL's
   * LISTEN/NOTIFY, or the revocation log (MySQL, SQLite). @default off
   */
  cache?: false | { redisUrl?: string; maxStalenessMs?: number };
  /** Purge expired sessions in this process every this many seconds. @default off */
  purgeEverySeconds?: number | null;
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
  /** The document's title. @default "tessera example" */
  title?: string;
  /**
   * Table names and custom user fields, as `migrateToLatest` and `kyselyAdapter` take them
   * (on MongoDB the tables' names are the collections'). @default FastAPI Users' tables
   */
  schema?: Omit<SchemaOptions<"uuid">, "idType">;
  /**
   * Sign-in through an OpenID Connect provider, on the bearer backend at
   * `/auth/{name}` and the cookie backend at `/auth/cookie/{name}` (and
   * linking at `/auth/associate/{name}`); each redirect URL is `baseUrl` + the
   * group's path + `/callback`. @default none
   */
  oidc?: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    /** @default "oidc" */
    name?: string;
    /** Link a verified email's existing account at first sign-in. @default false */
    associateByEmail?: boolean;
    /** Seconds a call to the provider may take (then 503). @default 10 */
    timeoutSeconds?: number;
  };
}

/**
 * FastAPI Users' "full example" shape: the bearer backend at /auth, the
 * cookie backend at /auth/cookie, register, reset-password and verify at
 * /auth, users at /users; plus /health, /openapi.json and /docs.
 */
export async function createSetup<Ctx>(config: SetupConfig = {}) {
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
    title = "tessera example",
  } = config;
  const store = await openStore(databaseUrl, config).catch((error: unknown) => {
    throw new DatabaseOpenError(`cannot open the database: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const { adapter } = store;
  const cache = config.cache
    ? new SessionCache({
        channel: cacheChannel(databaseUrl, store, config.cache.redisUrl, config.schema),
        maxStalenessMs: config.cache.maxStalenessMs,
      })
    : null;
  // With a cache, every store the app writes through is the cache's: its writes invalidate it.
  const { users, accessTokens, refreshTokens } = cache ? cache.wrap(adapter) : adapter;
  await cache?.start();

  const outbox = new Outbox();
  const emails = accountEmailHooks(mailer, {
    appName: title,
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
  // Process-scoped: the facade and the strategy report to the same place.
  const events = new TesseraEvents<string>();
  const strategy = new DatabaseStrategy(accessTokens, {
    events,
    lifetimeSeconds,
    clock,
    maxSessionsPerUser: config.maxSessionsPerUser,
    sessionCapPolicy: config.sessionCapPolicy,
    idleTimeoutSeconds: config.idleTimeoutSeconds,
    refreshTokens: config.refreshTokens ? { database: refreshTokens } : undefined,
  });
  const redis =
    config.strategy === "redis"
      ? await redisClient(config.redisUrl).catch(async (error: unknown) => {
          await cache?.close();
          await store.close();
          throw error;
        })
      : null;
  // The strategy in use; `strategy` above is the database's, which the CLI and purges work on.
  const active: Strategy<User<string>, string> = redis
    ? new RedisStrategy<User<string>, string>(redis, { lifetimeSeconds, clock })
    : config.strategy === "jwt"
      ? new JwtStrategy<User<string>, string>({ secret, lifetimeSeconds, clock })
      : strategy;
  const bearer = new AuthenticationBackend({
    name: config.strategy ?? "database",
    transport: new BearerTransport({ tokenUrl: "auth/login" }),
    getStrategy: () => active,
  });
  const cookie = new AuthenticationBackend({
    name: "cookie",
    transport: new CookieTransport({ cookieMaxAge: lifetimeSeconds, trustedOrigins }),
    getStrategy: () => active,
  });
  const tessera = new Tessera<User<string>, string, Ctx>({
    getUserManager: () => manager,
    backends: [bearer, cookie],
    // Device cookies signed under the app's secret (derived under their own label), sent to /auth only.
    rateLimit: rateLimit && {
      clock,
      deviceCookie: { secret, cookiePath: "/auth" },
      ...rateLimit,
    },
    trustedProxies,
    userFields: config.schema?.userFields,
    events,
    freshSessionSeconds: config.freshSessionSeconds,
    clock,
  });

  // Sign-in through an OpenID provider, on each backend (FastAPI Users' routes).
  const { oauthAccounts } = adapter;
  const providerMounts: Mount<Ctx>[] = [];
  const providers: string[] = [];
  if (config.oidc) {
    const { openIdConnectProvider } = await import("tessera-auth/oauth");
    const { name = "oidc", associateByEmail, ...client } = config.oidc;
    const provider = openIdConnectProvider({ name, ...client, clock });
    // The provider's tokens are encrypted at rest under a key derived from the secret.
    const flow = {
      accounts: oauthAccounts,
      stateSecret: secret,
      tokenEncryptionKey: secret,
      clock,
    };
    providerMounts.push(
      [
        `/auth/${name}`,
        oauthRoutes(tessera, bearer, provider, {
          ...flow,
          redirectUrl: `${baseUrl}/auth/${name}/callback`,
          associateByEmail,
          isVerifiedByDefault: true,
          refreshTokens: config.refreshTokens ?? false,
        }),
      ],
      [
        `/auth/cookie/${name}`,
        oauthRoutes(tessera, cookie, provider, {
          ...flow,
          redirectUrl: `${baseUrl}/auth/cookie/${name}/callback`,
          associateByEmail,
          isVerifiedByDefault: true,
        }),
      ],
      [
        `/auth/associate/${name}`,
        oauthAssociateRoutes(tessera, provider, {
          ...flow,
          redirectUrl: `${baseUrl}/auth/associate/${name}/callback`,
        }),
      ],
    );
    providers.push(name);
  }

  const apiMounts: Mount<Ctx>[] = [
    ["/", [healthRoute(cache, redis)]],
    ["/auth", authRoutes(tessera, bearer, { refreshTokens: config.refreshTokens ?? false })],
    ["/auth/cookie", authRoutes(tessera, cookie)],
    ["/auth", registerRoutes(tessera)],
    ["/auth", resetPasswordRoutes(tessera)],
    ["/auth", verifyRoutes(tessera)],
    ...providerMounts,
    ["/users", usersRoutes(tessera, { oauthAccounts })],
  ];
  if (exposeTokens) apiMounts.push(["/", [outbox.route()]]);
  const document = openApiDocument({
    title,
    version: "0.1.0",
    description: "FastAPI Users' HTTP contract on the database token strategy.",
    mounts: apiMounts,
  });
  const mounts: Mount<Ctx>[] = [...apiMounts, ["/", apiDocsRoutes(document)]];
  const purge = config.purgeEverySeconds
    ? schedulePurge(strategy, { everySeconds: config.purgeEverySeconds })
    : null;

  return {
    tessera,
    mounts,
    /** The names of the providers one can sign in with (`/auth/{name}/authorize`). */
    providers,
    document,
    manager,
    strategy,
    events,
    outbox,
    /** The SQL database (Kysely); on MongoDB, one that throws when used: see `mongo`. */
    db: store.kind === "sql" ? store.db : noSqlDatabase(),
    /** The MongoDB database, when the URL is `mongodb://`. */
    mongo: store.kind === "mongodb" ? store.db : null,
    cache,
    async close() {
      await purge?.stop();
      await cache?.close();
      await redis?.quit();
      await store.close();
    },
  };
}

/** What `createSetup` gives an app. */
export type Setup<Ctx> = Awaited<ReturnType<typeof createSetup<Ctx>>>;

/**
 * A Redis client, loaded only when a Redis strategy asks for it. An
 * unreachable Redis stops the server at startup, as an unreachable database does.
 */
async function redisClient(url = "redis://127.0.0.1:6379") {
  const { connectRedis } = await import("tessera-auth/redis");
  try {
    return await connectRedis(url);
  } catch (error) {
    throw new Error(`REDIS_URL: ${(error as Error).message}: start Redis, or set REDIS_URL to it`);
  }
}

/** Redis when given, else the database's own: LISTEN/NOTIFY on PostgreSQL, the revocation log on MySQL and SQLite. */
function cacheChannel(
  databaseUrl: string,
  store: Store,
  redisUrl: string | undefined,
  schema: SetupConfig["schema"],
): RevocationChannel {
  if (redisUrl) return redisChannel({ url: redisUrl });
  if (store.kind === "mongodb") {
    throw new Error("a session cache on MongoDB needs Redis for its channel: set REDIS_URL");
  }
  if (/^postgres(ql)?:/.test(databaseUrl)) {
    return postgresChannel({ connectionString: databaseUrl, db: store.db });
  }
  return revocationLogChannel(store.db, schema);
}

/**
 * `GET /health` → `{"ok": true}` (for load balancers and benchmarks); with a
 * session cache, also its status (`up`, or why every lookup goes to the database).
 * With the Redis strategy, Redis must answer a PING (the answer is the same as
 * on any other strategy): else 503, `"redis": "down"`
 * (the cache's channel only degrades the cache, so it is reported, not failed).
 */
function healthRoute(
  cache: SessionCache | null,
  redis: { ping(): Promise<unknown> } | null,
): Route {
  return {
    method: "GET",
    path: "/health",
    doc: {
      operationId: "health",
      summary: "Health check",
      tags: ["demo"],
      responses: {
        200: {
          description: "The server is up",
          schema: {
            type: "object",
            properties: {
              ok: { const: true },
              cache: {
                type: "object",
                description: "The session cache's status (only when it is on)",
                properties: {
                  state: { enum: ["starting", "up", "behind", "idle", "down", "closed"] },
                  channel: { type: "string" },
                  entries: { type: "integer" },
                  hits: { type: "integer" },
                  misses: { type: "integer" },
                  bypassed: { type: "integer" },
                },
              },
            },
            required: ["ok"],
          },
        },
        503: {
          description:
            "A store every request needs is unreachable (Redis, with the Redis strategy)",
          schema: {
            type: "object",
            properties: {
              ok: { const: false },
              detail: { type: "string" },
              redis: { const: "down" },
            },
            required: ["ok", "detail"],
          },
        },
      },
    },
    handle: async () => {
      const extra = cache ? { cache: cache.status() } : {};
      if (redis === null) return json(200, { ok: true, ...extra });
      if (await pingRedis(redis)) return json(200, { ok: true, ...extra });
      return json(503, { ok: false, detail: "Redis is unreachable", redis: "down", ...extra });
    },
  };
}
