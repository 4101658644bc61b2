import { Redis } from "ioredis";
import { AuthenticationBackend, BearerTransport, JwtStrategy, type User } from "tessera-auth";
import { RedisStrategy } from "tessera-auth/redis";

// The quick start with FastAPI Users' other strategies: only step 4 changes, one backend each.
// Sessions in Redis: revocable (logout, "log out everywhere", the sessions routes), expired by Redis.
export const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
export const redisBackend = new AuthenticationBackend({
  name: "redis",
  transport: new BearerTransport({ tokenUrl: "redis/login" }),
  getStrategy: () => new RedisStrategy<User>(redis, { lifetimeSeconds: 3600 }),
});
// Signed tokens: nothing stored, so logout ends none before it expires (keep the lifetime short);
// "log out everywhere" and a new password or email end them by the user's stamp (no sessions routes).
const jwtSecret = process.env.JWT_SECRET;
if (!jwtSecret) throw new Error("set JWT_SECRET (32 bytes or more, from your secret store)");
export const jwtBackend = new AuthenticationBackend({
  name: "jwt",
  transport: new BearerTransport({ tokenUrl: "jwt/login" }),
  getStrategy: () => new JwtStrategy<User>({ secret: jwtSecret, lifetimeSeconds: 900 }),
});
