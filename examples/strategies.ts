import Database from "better-sqlite3";
import { type Context, Hono } from "hono";
import { Redis } from "ioredis";
import { Kysely } from "kysely";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  JwtStrategy,
  registerRoutes,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import { createSqliteDialect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";
import { RedisStrategy } from "tessera-auth/redis";

const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
await migrateToLatest(db);
const { users } = kyselyAdapter(db);
export const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const jwtSecret = process.env.JWT_SECRET;
if (!jwtSecret) throw new Error("set JWT_SECRET (32 bytes or more, from your secret store)");

// Sessions in Redis: revocable (logout, "log out everywhere", the sessions routes), expired by Redis.
const redisBackend = new AuthenticationBackend({
  name: "redis",
  transport: new BearerTransport({ tokenUrl: "redis/login" }),
  getStrategy: () => new RedisStrategy<User>(redis, { lifetimeSeconds: 3600 }),
});
// Signed tokens: nothing stored, and nothing revokes one before it expires (keep the lifetime
// short); a new password or email ends them all, as the token carries the user's stamp.
const jwtBackend = new AuthenticationBackend({
  name: "jwt",
  transport: new BearerTransport({ tokenUrl: "jwt/login" }),
  getStrategy: () => new JwtStrategy<User>({ secret: jwtSecret, lifetimeSeconds: 900 }),
});

const manager = new UserManager(users);
const tessera = new Tessera<User, string, Context>({
  getUserManager: () => manager,
  backends: [redisBackend, jwtBackend],
});

export const app = new Hono();
app.route("/redis", honoRoutes(authRoutes(tessera, redisBackend)));
app.route("/jwt", honoRoutes(authRoutes(tessera, jwtBackend)));
app.route("/auth", honoRoutes(registerRoutes(tessera)));
app.route("/users", honoRoutes(usersRoutes(tessera)));
