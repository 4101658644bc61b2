import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RedisStrategy } from "tessera-auth/redis";
import { runSessionRaceSuite } from "tessera-auth/testing";
import { afterAll, describe } from "vitest";
import { REDIS_URL, redisUnavailable } from "../support/redis.js";
import { memoryDatabase } from "../support/sqlite.js";

/** The session race kit on the Redis strategy (its users in SQLite): no refresh tokens, no cap. */
const unavailable = await redisUnavailable();
const clients: Redis[] = [];
afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe.skipIf(unavailable !== null)(
  `RedisStrategy${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    runSessionRaceSuite("RedisStrategy", {
      async create() {
        const db = await memoryDatabase();
        const redis = new Redis(REDIS_URL);
        clients.push(redis);
        const keyPrefix = `tessera-race:${randomUUID()}:`;
        return {
          users: db.users,
          oauthAccounts: db.oauthAccounts,
          strategy: (clock) =>
            new RedisStrategy(redis, { lifetimeSeconds: 3600, keyPrefix, clock }),
          async dispose() {
            await db.db.destroy();
          },
        };
      },
    });
  },
);
