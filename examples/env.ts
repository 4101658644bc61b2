import { randomBytes } from "node:crypto";
import { redactUrl } from "tessera-auth";
import type { SetupConfig } from "./setup.js";

/** Where a server listens, and the setup it runs, from its environment. */
export interface ServerConfig {
  port: number;
  hostname: string;
  setup: SetupConfig;
  /** The database URL with its password masked, to print. */
  databaseLabel: string;
  /** What the server runs, secrets masked: "database: …, adapter: kysely (sqlite), strategy: …". */
  label: string;
}

const STRATEGIES = ["database", "redis", "jwt"] as const;
const ADAPTERS = ["kysely", "drizzle"] as const;

function oneOf<T extends string>(name: string, value: string, valid: readonly T[]): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} must be one of ${valid.join(", ")}, not "${value}"`);
}

function engineOf(databaseUrl: string): string {
  if (isMongoUrl(databaseUrl)) return "mongodb";
  if (/^postgres(ql)?:/.test(databaseUrl)) return "postgres";
  if (/^(mysql|mariadb):/.test(databaseUrl)) return "mysql";
  return "sqlite";
}

const isMongoUrl = (url: string) => /^mongodb(\+srv)?:\/\//.test(url);

const list = (value = "") =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Reads the variables the demo and the example servers share: PORT, HOST,
 * DATABASE_URL, TESSERA_TOKEN_LIFETIME, TESSERA_SECRET, TESSERA_BASE_URL,
 * TESSERA_TRUSTED_ORIGINS, TESSERA_TRUSTED_PROXIES, TESSERA_RATE_LIMIT
 * (`on` or `off`), TESSERA_MAX_SESSIONS (sessions per user),
 * TESSERA_IDLE_TIMEOUT (seconds), TESSERA_REFRESH_TOKENS (`1`),
 * TESSERA_PURGE_INTERVAL (seconds), TESSERA_CACHE (`1`; with REDIS_URL,
 * invalidations go through Redis), TESSERA_STRATEGY (`database`, `redis`
 * with REDIS_URL, `jwt` signed with TESSERA_SECRET), TESSERA_ADAPTER
 * (`kysely` or `drizzle`; a `mongodb://` DATABASE_URL runs the MongoDB adapter) and
 * TESSERA_EXPOSE_TOKENS (`1`), warning
 * loudly where a setting is unsafe.
 */
export function serverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 8000);
  const hostname = env.HOST ?? "127.0.0.1";
  const databaseUrl = env.DATABASE_URL ?? "sqlite:tessera.db";
  const exposeTokens = env.TESSERA_EXPOSE_TOKENS === "1";
  const rateLimit = (env.TESSERA_RATE_LIMIT ?? "on").toLowerCase();
  if (rateLimit !== "on" && rateLimit !== "off") {
    throw new Error(`TESSERA_RATE_LIMIT must be "on" or "off", not "${rateLimit}"`);
  }
  if (rateLimit === "off") {
    console.warn(
      "tessera: TESSERA_RATE_LIMIT=off: login, register and email routes are not rate-limited.",
    );
  }
  const maxSessions = env.TESSERA_MAX_SESSIONS ? Number(env.TESSERA_MAX_SESSIONS) : null;
  if (maxSessions !== null && !(Number.isInteger(maxSessions) && maxSessions >= 1)) {
    throw new Error(
      `TESSERA_MAX_SESSIONS must be a positive integer, not "${env.TESSERA_MAX_SESSIONS}"`,
    );
  }
  const idleTimeout = env.TESSERA_IDLE_TIMEOUT ? Number(env.TESSERA_IDLE_TIMEOUT) : null;
  if (idleTimeout !== null && !(Number.isFinite(idleTimeout) && idleTimeout > 0)) {
    throw new Error(
      `TESSERA_IDLE_TIMEOUT must be a positive number of seconds, not "${env.TESSERA_IDLE_TIMEOUT}"`,
    );
  }
  const purgeEvery = env.TESSERA_PURGE_INTERVAL ? Number(env.TESSERA_PURGE_INTERVAL) : null;
  if (purgeEvery !== null && !(Number.isFinite(purgeEvery) && purgeEvery > 0)) {
    throw new Error(
      `TESSERA_PURGE_INTERVAL must be a positive number of seconds, not "${env.TESSERA_PURGE_INTERVAL}"`,
    );
  }
  const refreshTokens = env.TESSERA_REFRESH_TOKENS ?? "0";
  if (refreshTokens !== "0" && refreshTokens !== "1") {
    throw new Error(`TESSERA_REFRESH_TOKENS must be "1" or "0", not "${refreshTokens}"`);
  }
  const cache = env.TESSERA_CACHE ?? "0";
  if (cache !== "0" && cache !== "1") {
    throw new Error(`TESSERA_CACHE must be "1" or "0", not "${cache}"`);
  }
  const strategy = oneOf("TESSERA_STRATEGY", env.TESSERA_STRATEGY || "database", STRATEGIES);
  let adapter: "kysely" | "drizzle" | "mongodb";
  if (isMongoUrl(databaseUrl)) {
    // A mongodb:// URL has one adapter; TESSERA_ADAPTER picks among the SQL ones.
    if (env.TESSERA_ADAPTER) {
      throw new Error(
        `TESSERA_ADAPTER=${env.TESSERA_ADAPTER} is for SQL databases; a mongodb:// DATABASE_URL runs the MongoDB adapter`,
      );
    }
    if (cache === "1" && !env.REDIS_URL) {
      throw new Error(
        "TESSERA_CACHE=1 on MongoDB needs REDIS_URL (its invalidations go through Redis)",
      );
    }
    adapter = "mongodb";
  } else {
    adapter = oneOf("TESSERA_ADAPTER", env.TESSERA_ADAPTER || "kysely", ADAPTERS);
  }
  if (strategy !== "database") {
    // Sessions in the database's tables: what the other strategies keep elsewhere, or not at all.
    for (const name of [
      "TESSERA_MAX_SESSIONS",
      "TESSERA_IDLE_TIMEOUT",
      "TESSERA_PURGE_INTERVAL",
      "TESSERA_CACHE",
    ] as const) {
      if (env[name] && env[name] !== "0") {
        throw new Error(`${name} works with TESSERA_STRATEGY=database only, not ${strategy}`);
      }
    }
    if (refreshTokens === "1") {
      throw new Error(
        `TESSERA_REFRESH_TOKENS works with TESSERA_STRATEGY=database only, not ${strategy}`,
      );
    }
  }
  if (strategy === "redis" && !env.REDIS_URL) {
    throw new Error("TESSERA_STRATEGY=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379)");
  }
  let secret = env.TESSERA_SECRET;
  if (!secret) {
    secret = randomBytes(32).toString("base64url");
    console.warn(
      "tessera: TESSERA_SECRET is not set; a random one was generated for this run, so reset and " +
        "verification tokens will not survive a restart. Set TESSERA_SECRET in production.",
    );
  }
  if (exposeTokens) {
    const rule = "!".repeat(78);
    console.warn(
      [
        rule,
        "!! TESSERA_EXPOSE_TOKENS=1: GET /_test/tokens/{email} hands out the reset-password and",
        "!! verification tokens of ANY account to ANYONE. For black-box tests only: never run",
        "!! this where real users are.",
        rule,
      ].join("\n"),
    );
  }
  const strategyLabel =
    strategy === "redis" ? `redis (${redactUrl(env.REDIS_URL as string)})` : strategy;
  return {
    port,
    hostname,
    databaseLabel: redactUrl(databaseUrl),
    label: `database: ${redactUrl(databaseUrl)}, adapter: ${adapter} (${engineOf(databaseUrl)}), strategy: ${strategyLabel}`,
    setup: {
      adapter: adapter === "mongodb" ? undefined : adapter,
      strategy,
      redisUrl: env.REDIS_URL || undefined,
      databaseUrl,
      lifetimeSeconds: Number(env.TESSERA_TOKEN_LIFETIME ?? 3600),
      maxSessionsPerUser: maxSessions,
      idleTimeoutSeconds: idleTimeout,
      refreshTokens: refreshTokens === "1",
      purgeEverySeconds: purgeEvery,
      cache: cache === "1" ? { redisUrl: env.REDIS_URL || undefined } : false,
      secret,
      baseUrl: env.TESSERA_BASE_URL ?? `http://${hostname}:${port}`,
      exposeTokens,
      trustedOrigins: list(env.TESSERA_TRUSTED_ORIGINS),
      trustedProxies: list(env.TESSERA_TRUSTED_PROXIES),
      rateLimit: rateLimit === "off" ? false : {},
    },
  };
}
