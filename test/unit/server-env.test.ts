import { DatabaseNotMigrated, DatabaseUnavailableError } from "tessera-auth";
import { describe, expect, it, vi } from "vitest";
import { serverConfigFromEnv } from "../../examples/env.js";
import {
  DatabaseOpenError,
  listenErrorLine,
  startupErrorLine,
} from "../../examples/startup-error.js";

const BASE = { TESSERA_SECRET: "a-secret-for-these-tests-0123456789" };

describe("the demo's environment", () => {
  it("turns the session options on from TESSERA_MAX_SESSIONS, _IDLE_TIMEOUT, _REFRESH_TOKENS, _PURGE_INTERVAL", () => {
    const { setup } = serverConfigFromEnv({
      ...BASE,
      TESSERA_MAX_SESSIONS: "3",
      TESSERA_IDLE_TIMEOUT: "900",
      TESSERA_TOKEN_LIFETIME: "7200",
      TESSERA_REFRESH_TOKENS: "1",
      TESSERA_PURGE_INTERVAL: "600",
    });
    expect(setup).toMatchObject({
      maxSessionsPerUser: 3,
      idleTimeoutSeconds: 900,
      lifetimeSeconds: 7200,
      refreshTokens: true,
      purgeEverySeconds: 600,
    });
  });

  it("signs in through an OpenID provider with the TESSERA_OIDC_* variables, all three or none", () => {
    const oidc = {
      TESSERA_OIDC_ISSUER: "https://accounts.google.com",
      TESSERA_OIDC_CLIENT_ID: "client",
      TESSERA_OIDC_CLIENT_SECRET: "secret",
    };
    expect(serverConfigFromEnv(BASE).setup.oidc).toBeUndefined();
    expect(serverConfigFromEnv({ ...BASE, ...oidc }).setup.oidc).toEqual({
      issuer: "https://accounts.google.com",
      clientId: "client",
      clientSecret: "secret",
      name: "oidc",
      associateByEmail: false,
    });
    expect(
      serverConfigFromEnv({
        ...BASE,
        ...oidc,
        TESSERA_OIDC_NAME: "google",
        TESSERA_OIDC_ASSOCIATE_BY_EMAIL: "1",
      }).setup.oidc,
    ).toMatchObject({ name: "google", associateByEmail: true });
    // A local provider (npm run idp) may be plain http.
    expect(
      serverConfigFromEnv({ ...BASE, ...oidc, TESSERA_OIDC_ISSUER: "http://127.0.0.1:9400" }).setup
        .oidc?.issuer,
    ).toBe("http://127.0.0.1:9400");
    const refusals: [Record<string, string>, RegExp][] = [
      [
        { TESSERA_OIDC_ISSUER: "https://accounts.google.com" },
        /^TESSERA_OIDC_CLIENT_ID is missing/,
      ],
      [{ ...oidc, TESSERA_OIDC_CLIENT_SECRET: "" }, /^TESSERA_OIDC_CLIENT_SECRET is missing/],
      [
        { ...oidc, TESSERA_OIDC_ISSUER: "accounts.google.com" },
        /^TESSERA_OIDC_ISSUER: .* is not an http\(s\) URL/,
      ],
      [
        { ...oidc, TESSERA_OIDC_ISSUER: "http://idp.example.com" },
        /^TESSERA_OIDC_ISSUER: .* must be https:/,
      ],
      [{ ...oidc, TESSERA_OIDC_NAME: "Google" }, /^TESSERA_OIDC_NAME: "Google" must be/],
      [
        { ...oidc, TESSERA_OIDC_ASSOCIATE_BY_EMAIL: "yes" },
        /^TESSERA_OIDC_ASSOCIATE_BY_EMAIL must be "1" or "0"/,
      ],
    ];
    for (const [env, message] of refusals) {
      expect(() => serverConfigFromEnv({ ...BASE, ...env })).toThrow(message);
    }
  });

  it("leaves them off when unset", () => {
    const { setup } = serverConfigFromEnv(BASE);
    expect(setup).toMatchObject({
      maxSessionsPerUser: null,
      idleTimeoutSeconds: null,
      refreshTokens: false,
      purgeEverySeconds: null,
    });
  });

  it("stops on a value that is not a number it can use, naming the variable", () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const [name, value] of [
      ["TESSERA_MAX_SESSIONS", "0"],
      ["TESSERA_MAX_SESSIONS", "2.5"],
      ["TESSERA_IDLE_TIMEOUT", "-1"],
      ["TESSERA_IDLE_TIMEOUT", "soon"],
      ["TESSERA_REFRESH_TOKENS", "yes"],
      ["TESSERA_PURGE_INTERVAL", "0"],
    ] as const) {
      expect(() => serverConfigFromEnv({ ...BASE, [name]: value })).toThrow(name);
    }
  });

  it("selects the strategy from TESSERA_STRATEGY and says what it runs, secrets masked", () => {
    const redis = serverConfigFromEnv({
      ...BASE,
      DATABASE_URL: "postgres://app:hunter2@db.internal/app",
      TESSERA_STRATEGY: "redis",
      REDIS_URL: "redis://:s3cret@cache.internal:6379",
    });
    expect(redis.setup).toMatchObject({
      strategy: "redis",
      redisUrl: "redis://:s3cret@cache.internal:6379",
    });
    expect(redis.label).toBe(
      "database: postgres://app:***@db.internal/app, adapter: kysely (postgres), strategy: redis (redis://:***@cache.internal:6379)",
    );
    expect(redis.label).not.toMatch(/hunter2|s3cret/);
    const jwt = serverConfigFromEnv({ ...BASE, TESSERA_STRATEGY: "jwt" });
    expect(jwt.setup.strategy).toBe("jwt");
    expect(jwt.label).toBe("database: sqlite:tessera.db, adapter: kysely (sqlite), strategy: jwt");
    expect(serverConfigFromEnv(BASE).setup.strategy).toBe("database");
  });

  it("stops on an unknown strategy or adapter, naming the valid ones, and on options the strategy cannot honour", () => {
    expect(() => serverConfigFromEnv({ ...BASE, TESSERA_STRATEGY: "session" })).toThrow(
      'TESSERA_STRATEGY must be one of database, redis, jwt, not "session"',
    );
    expect(() => serverConfigFromEnv({ ...BASE, TESSERA_ADAPTER: "prisma" })).toThrow(
      'TESSERA_ADAPTER must be one of kysely, drizzle, not "prisma"',
    );
    expect(() => serverConfigFromEnv({ ...BASE, TESSERA_STRATEGY: "redis" })).toThrow("REDIS_URL");
    for (const name of [
      "TESSERA_MAX_SESSIONS",
      "TESSERA_IDLE_TIMEOUT",
      "TESSERA_CACHE",
      "TESSERA_REFRESH_TOKENS",
    ]) {
      expect(() => serverConfigFromEnv({ ...BASE, TESSERA_STRATEGY: "jwt", [name]: "1" })).toThrow(
        `${name} works with TESSERA_STRATEGY=database only, not jwt`,
      );
    }
  });

  it("runs the Drizzle adapter on any SQL URL with TESSERA_ADAPTER=drizzle", () => {
    const drizzle = serverConfigFromEnv({
      ...BASE,
      DATABASE_URL: "mysql://app:hunter2@db.internal:3306/app",
      TESSERA_ADAPTER: "drizzle",
    });
    expect(drizzle.setup.adapter).toBe("drizzle");
    expect(drizzle.label).toBe(
      "database: mysql://app:***@db.internal:3306/app, adapter: drizzle (mysql), strategy: database",
    );
    expect(serverConfigFromEnv(BASE).setup.adapter).toBe("kysely");
  });

  it("runs the MongoDB adapter on a mongodb:// URL, and refuses what it cannot do there", () => {
    const mongo = serverConfigFromEnv({
      ...BASE,
      DATABASE_URL: "mongodb://app:hunter2@mongo.internal:27017/app",
    });
    expect(mongo.setup.databaseUrl).toBe("mongodb://app:hunter2@mongo.internal:27017/app");
    expect(mongo.label).toBe(
      "database: mongodb://app:***@mongo.internal:27017/app, adapter: mongodb (mongodb), strategy: database",
    );
    expect(() =>
      serverConfigFromEnv({ ...BASE, DATABASE_URL: "mongodb://db/app", TESSERA_ADAPTER: "kysely" }),
    ).toThrow("a mongodb:// DATABASE_URL runs the MongoDB adapter");
    expect(() =>
      serverConfigFromEnv({ ...BASE, DATABASE_URL: "mongodb://db/app", TESSERA_CACHE: "1" }),
    ).toThrow("TESSERA_CACHE=1 on MongoDB needs REDIS_URL");
  });

  it("stops on every value it cannot use with one line naming the variable and what it accepts", () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: "abc" }, 'PORT: "abc" is not a port number (1-65535, or 0 for any free port)'],
      [{ PORT: "70000" }, 'PORT: "70000" is not a port number'],
      [{ PORT: "-1" }, 'PORT: "-1" is not a port number'],
      [{ PORT: "" }, 'PORT: "" is not a port number'],
      [
        { TESSERA_TOKEN_LIFETIME: "1h" },
        'TESSERA_TOKEN_LIFETIME: "1h" is not a number of seconds (a positive integer, e.g. 3600)',
      ],
      [{ TESSERA_TOKEN_LIFETIME: "0" }, 'TESSERA_TOKEN_LIFETIME: "0" is not a number of seconds'],
      [{ TESSERA_TOKEN_LIFETIME: "1.5" }, 'TESSERA_TOKEN_LIFETIME: "1.5" is not a number'],
      [
        { TESSERA_SECRET: "short" },
        "TESSERA_SECRET: must be at least 32 bytes (got 5); generate one with: openssl rand -base64 32",
      ],
      [{ TESSERA_BASE_URL: "app.example.com" }, 'TESSERA_BASE_URL: "app.example.com" is not'],
      [{ TESSERA_TRUSTED_ORIGINS: "https://a.example, b" }, 'TESSERA_TRUSTED_ORIGINS: "b" is not'],
      [{ TESSERA_TRUSTED_PROXIES: "10.0.0.0/" }, 'TESSERA_TRUSTED_PROXIES: "10.0.0.0/" is not'],
      [{ TESSERA_TRUSTED_PROXIES: "10.0.0.0/33" }, 'TESSERA_TRUSTED_PROXIES: "10.0.0.0/33"'],
      [{ TESSERA_TRUSTED_PROXIES: "proxy.internal" }, "TESSERA_TRUSTED_PROXIES:"],
      [{ TESSERA_EXPOSE_TOKENS: "yes" }, 'TESSERA_EXPOSE_TOKENS must be "1" or "0", not "yes"'],
      [
        { REDIS_URL: "http://:s3cret@cache:6379", TESSERA_STRATEGY: "redis" },
        'REDIS_URL: "http://:***@cache:6379" is not a redis:// or rediss:// URL',
      ],
    ];
    for (const [env, message] of cases) {
      expect(() => serverConfigFromEnv({ ...BASE, ...env })).toThrow(message);
    }
    expect(() => serverConfigFromEnv({ ...BASE, REDIS_URL: "redis://:x@c:1" })).not.toThrow();
    const ok = serverConfigFromEnv({
      ...BASE,
      PORT: "0",
      TESSERA_TOKEN_LIFETIME: "60",
      TESSERA_TRUSTED_PROXIES: "10.0.0.0/8, ::1, 192.168.1.7",
    });
    expect(ok.port).toBe(0);
    expect(ok.setup.lifetimeSeconds).toBe(60);
  });

  it("says why the server could not start in one line naming the setting, the password masked", () => {
    const env = { DATABASE_URL: "postgres://app:hunter2@127.0.0.1:5999/test" };
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5999"), {
      code: "ECONNREFUSED",
    });
    const unavailable = new DatabaseUnavailableError({ cause: new AggregateError([refused]) });
    const line = startupErrorLine(new DatabaseOpenError("x", { cause: unavailable }), env);
    expect(line).toBe(
      "DATABASE_URL: cannot connect to postgres://app:***@127.0.0.1:5999/test (ECONNREFUSED); is the server running?",
    );
    const notMigrated = new DatabaseNotMigrated('table "user": no such table: user');
    expect(startupErrorLine(new DatabaseOpenError("x", { cause: notMigrated }), env)).toBe(
      notMigrated.message,
    );
    const auth = Object.assign(new Error('password authentication failed for user "app"'), {
      code: "28P01",
    });
    expect(startupErrorLine(new DatabaseOpenError("x", { cause: auth }), env)).toBe(
      'DATABASE_URL: cannot open postgres://app:***@127.0.0.1:5999/test (28P01: password authentication failed for user "app")',
    );
    const inUse = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
    expect(listenErrorLine(inUse, 8000, "127.0.0.1")).toBe(
      "PORT: 8000 is in use on 127.0.0.1 (EADDRINUSE); stop the other server or set PORT to a free port",
    );
    expect(startupErrorLine(new Error("two\nlines"))).toBe(
      "two lines (set TESSERA_DEBUG=1 for the stack)",
    );
  });
});
