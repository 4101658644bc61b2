import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { hashToken } from "tessera-auth";
import { RedisStrategy } from "tessera-auth/redis";
import { runStrategySuite, userData } from "tessera-auth/testing";
import { afterAll, describe, expect, it } from "vitest";
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

    it("a record written before sessions recorded amr lists none", async () => {
      const db = await memoryDatabase();
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      const keyPrefix = `tessera-test:${randomUUID()}:`;
      try {
        const strategy = new RedisStrategy(redis, { lifetimeSeconds: LIFETIME, keyPrefix });
        const user = await db.users.create(userData("ada@example.com"));
        const token = await strategy.writeToken(user, { amr: ["password"] });
        const key = `${keyPrefix}${hashToken(token)}`;
        const record = JSON.parse((await redis.get(key)) as string);
        expect(record.a).toBe("password");
        delete record.a;
        await redis.set(key, JSON.stringify(record), "KEEPTTL");
        expect((await strategy.listSessions(user)).map((session) => session.amr)).toEqual([[]]);
      } finally {
        await db.db.destroy();
      }
    });
  },
);
