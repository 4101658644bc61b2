import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RedisStrategy } from "tessera-auth/redis";
import { runStrategySuite } from "tessera-auth/testing";
import { afterAll, describe } from "vitest";
import { REDIS_URL, redisUnavailable } from "../support/redis.js";
import { memoryDatabase } from "../support/sqlite.js";

const LIFETIME = 3600;
const unavailable = await redisUnavailable();
const clients: Redis[] = [];
afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe.skipIf(unavailable !== null)(
  `RedisStrategy${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    runStrategySuite("RedisStrategy", {
      lifetimeSeconds: LIFETIME,
      revocable: true,
      async create() {
        const db = await memoryDatabase();
        const redis = new Redis(REDIS_URL);
        clients.push(redis);
        // A prefix per test: tests run in parallel on one server and never see each other's keys.
        const keyPrefix = `tessera-test:${randomUUID()}:`;
        return {
          users: db.users,
          strategy: (clock) =>
            new RedisStrategy(redis, { lifetimeSeconds: LIFETIME, keyPrefix, clock }),
          async dispose() {
            await db.db.destroy();
          },
        };
      },
    });
  },
);
