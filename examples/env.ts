import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { redactUrl } from "tessera-auth";
import type { SetupConfig } from "./setup.js";
import { EnvError } from "./startup-error.js";

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
  throw new EnvError(`${name} must be one of ${valid.join(", ")}, not "${value}"`);
}

function engineOf(databaseUrl: string): string {
  if (isMongoUrl(databaseUrl)) return "mongodb";
  if (/^postgres(ql)?:/.test(databaseUrl)) return "postgres";
  if (/^(mysql|mariadb):/.test(databaseUrl)) return "mysql";
  return "sqlite";
}

const isMongoUrl = (url: string) => /^mongodb(\+srv)?:\/\//.test(url);

/** PORT: 0 (any free port) to 65535. */
function portOf(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new EnvError(`PORT: "${value}" is not a port number (1-65535, or 0 for any free port)`);
  }
  return port;
}

/** A positive whole number of seconds. */
function secondsOf(name: string, value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds === 0) {
    throw new EnvError(
      `${name}: "${value}" is not a number of seconds (a positive integer, e.g. 3600)`,
    );
  }
  return seconds;
}

/** An absolute http(s) URL. */
function httpUrl(name: string, value: string, example: string): string {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new EnvError(`${name}: "${value}" is not an http(s) URL (e.g. ${example})`);
  }
  return value;
}

/** An IP address or a CIDR network (`10.0.0.0/8`). */
function checkProxy(entry: string): string {
  const [address = "", bits, extra] = entry.split("/");
  const family = isIP(address);
  const maxBits = family === 6 ? 128 : 32;
  const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
  if (family === 0 || extra !== undefined || !bitsOk) {
    throw new EnvError(
      `TESSERA_TRUSTED_PROXIES: "${entry}" is not an IP address or network (e.g. 10.0.0.1 or 10.0.0.0/8)`,
    );
  }
  return entry;
}

const MIN_SECRET_BYTES = 32;

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
 * TESSERA_EXPOSE_TOKENS (`1`), the TESSERA_OIDC_* variables (sign-in through an
 * OpenID provider), warning
 * loudly where a setting is unsafe.
 */
export function serverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = portOf(env.PORT ?? "8000");
  const hostname = env.HOST ?? "127.0.0.1";
  const databaseUrl = env.DATABASE_URL ?? "sqlite:tessera.db";
  const lifetimeSeconds = secondsOf("TESSERA_TOKEN_LIFETIME", env.TESSERA_TOKEN_LIFETIME ?? "3600");
  const exposeTokens = (env.TESSERA_EXPOSE_TOKENS ?? "0") === "1";
  if (!["0", "1"].includes(env.TESSERA_EXPOSE_TOKENS ?? "0")) {
    throw new EnvError(
      `TESSERA_EXPOSE_TOKENS must be "1" or "0", not "${env.TESSERA_EXPOSE_TOKENS}"`,
    );
  }
  const baseUrl = env.TESSERA_BASE_URL
    ? httpUrl("TESSERA_BASE_URL", env.TESSERA_BASE_URL, "https://app.example.com")
    : `http://${hostname}:${port}`;
  const trustedOrigins = list(env.TESSERA_TRUSTED_ORIGINS).map((origin) =>
    httpUrl("TESSERA_TRUSTED_ORIGINS", origin, "https://app.example.com"),
  );
  const trustedProxies = list(env.TESSERA_TRUSTED_PROXIES).map(checkProxy);
  const rateLimit = (env.TESSERA_RATE_LIMIT ?? "on").toLowerCase();
  if (rateLimit !== "on" && rateLimit !== "off") {
    throw new EnvError(`TESSERA_RATE_LIMIT must be "on" or "off", not "${rateLimit}"`);
  }
  if (rateLimit === "off") {
    console.warn(
      "tessera: TESSERA_RATE_LIMIT=off: login, register and email routes are not rate-limited.",
    );
  }
  const maxSessions = env.TESSERA_MAX_SESSIONS ? Number(env.TESSERA_MAX_SESSIONS) : null;
  if (maxSessions !== null && !(Number.isInteger(maxSessions) && maxSessions >= 1)) {
    throw new EnvError(
      `TESSERA_MAX_SESSIONS must be a positive integer, not "${env.TESSERA_MAX_SESSIONS}"`,
    );
  }
  const idleTimeout = env.TESSERA_IDLE_TIMEOUT ? Number(env.TESSERA_IDLE_TIMEOUT) : null;
  if (idleTimeout !== null && !(Number.isFinite(idleTimeout) && idleTimeout > 0)) {
    throw new EnvError(
      `TESSERA_IDLE_TIMEOUT must be a positive number of seconds, not "${env.TESSERA_IDLE_TIMEOUT}"`,
    );
  }
  const purgeEvery = env.TESSERA_PURGE_INTERVAL ? Number(env.TESSERA_PURGE_INTERVAL) : null;
  if (purgeEvery !== null && !(Number.isFinite(purgeEvery) && purgeEvery > 0)) {
    throw new EnvError(
      `TESSERA_PURGE_INTERVAL must be a positive number of seconds, not "${env.TESSERA_PURGE_INTERVAL}"`,
    );
  }
  const refreshTokens = env.TESSERA_REFRESH_TOKENS ?? "0";
  if (refreshTokens !== "0" && refreshTokens !== "1") {
    throw new EnvError(`TESSERA_REFRESH_TOKENS must be "1" or "0", not "${refreshTokens}"`);
  }
  const cache = env.TESSERA_CACHE ?? "0";
  if (cache !== "0" && cache !== "1") {
    throw new EnvError(`TESSERA_CACHE must be "1" or "0", not "${cache}"`);
  }
  const strategy = oneOf("TESSERA_STRATEGY", env.TESSERA_STRATEGY || "database", STRATEGIES);
  let adapter: "kysely" | "drizzle" | "mongodb";
  if (isMongoUrl(databaseUrl)) {
    // A mongodb:// URL has one adapter; TESSERA_ADAPTER picks among the SQL ones.
    if (env.TESSERA_ADAPTER) {
      throw new EnvError(
        `TESSERA_ADAPTER=${env.TESSERA_ADAPTER} is for SQL databases; a mongodb:// DATABASE_URL runs the MongoDB adapter`,
      );
    }
    if (cache === "1" && !env.REDIS_URL) {
      throw new EnvError(
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
        throw new EnvError(`${name} works with TESSERA_STRATEGY=database only, not ${strategy}`);
      }
    }
    if (refreshTokens === "1") {
      throw new EnvError(
        `TESSERA_REFRESH_TOKENS works with TESSERA_STRATEGY=database only, not ${strategy}`,
      );
    }
  }
  if (strategy === "redis" && !env.REDIS_URL) {
    throw new EnvError("TESSERA_STRATEGY=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379)");
  }
  if (env.REDIS_URL && !/^rediss?:\/\/./.test(env.REDIS_URL)) {
    throw new EnvError(
      `REDIS_URL: "${redactUrl(env.REDIS_URL)}" is not a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)`,
    );
  }
  let secret = env.TESSERA_SECRET;
  const secretLength = secret ? Buffer.byteLength(secret) : 0;
  if (secret && secretLength < MIN_SECRET_BYTES) {
    // It signs reset and verification tokens, and JWTs with TESSERA_STRATEGY=jwt.
    throw new EnvError(
      `TESSERA_SECRET: must be at least ${MIN_SECRET_BYTES} bytes (got ${secretLength}); generate one with: openssl rand -base64 32`,
    );
  }
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
  const oidc = oidcFromEnv(env);
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
      lifetimeSeconds,
      maxSessionsPerUser: maxSessions,
      idleTimeoutSeconds: idleTimeout,
      refreshTokens: refreshTokens === "1",
      purgeEverySeconds: purgeEvery,
      cache: cache === "1" ? { redisUrl: env.REDIS_URL || undefined } : false,
      secret,
      baseUrl,
      exposeTokens,
      trustedOrigins,
      trustedProxies,
      rateLimit: rateLimit === "off" ? false : {},
      oidc,
    },
  };
}

/**
 * Sign-in through an OpenID provider: TESSERA_OIDC_ISSUER, TESSERA_OIDC_CLIENT_ID and
 * TESSERA_OIDC_CLIENT_SECRET together (or none), TESSERA_OIDC_NAME (default `oidc`),
 * TESSERA_OIDC_ASSOCIATE_BY_EMAIL (`1` links a verified email's existing account).
 */
function oidcFromEnv(env: NodeJS.ProcessEnv): SetupConfig["oidc"] {
  const issuer = env.TESSERA_OIDC_ISSUER;
  const clientId = env.TESSERA_OIDC_CLIENT_ID;
  const clientSecret = env.TESSERA_OIDC_CLIENT_SECRET;
  if (!issuer && !clientId && !clientSecret) return undefined;
  for (const [name, value] of [
    ["TESSERA_OIDC_ISSUER", issuer],
    ["TESSERA_OIDC_CLIENT_ID", clientId],
    ["TESSERA_OIDC_CLIENT_SECRET", clientSecret],
  ] as const) {
    if (!value) {
      throw new EnvError(
        `${name} is missing: sign-in through a provider needs TESSERA_OIDC_ISSUER, TESSERA_OIDC_CLIENT_ID and TESSERA_OIDC_CLIENT_SECRET`,
      );
    }
  }
  const name = env.TESSERA_OIDC_NAME || "oidc";
  if (!/^[a-z0-9][a-z0-9_-]{0,49}$/.test(name)) {
    throw new EnvError(
      `TESSERA_OIDC_NAME: "${name}" must be 1-50 lower-case letters, digits, "-" or "_" (it is a URL segment)`,
    );
  }
  const associate = env.TESSERA_OIDC_ASSOCIATE_BY_EMAIL ?? "0";
  if (associate !== "0" && associate !== "1") {
    throw new EnvError(`TESSERA_OIDC_ASSOCIATE_BY_EMAIL must be "1" or "0", not "${associate}"`);
  }
  const url = new URL(
    httpUrl("TESSERA_OIDC_ISSUER", issuer as string, "https://accounts.google.com"),
  );
  if (url.protocol === "http:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new EnvError(
      `TESSERA_OIDC_ISSUER: "${issuer}" must be https: (http: only for a provider on 127.0.0.1 or localhost, such as npm run idp)`,
    );
  }
  return {
    issuer: issuer as string,
    clientId: clientId as string,
    clientSecret: clientSecret as string,
    name,
    associateByEmail: associate === "1",
  };
}
