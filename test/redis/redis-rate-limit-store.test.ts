import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RateLimiter } from "tessera-auth";
import { RedisRateLimitStore } from "tessera-auth/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL, redisUnavailable } from "../support/redis.js";

const unavailable = await redisUnavailable();

describe.skipIf(unavailable !== null)(
  `RedisRateLimitStore${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const clients: Redis[] = [];
    const prefix = `tessera-test:${randomUUID()}:`;
    beforeAll(() => {
      clients.push(new Redis(REDIS_URL), new Redis(REDIS_URL));
    });
    afterAll(async () => {
      const keys = await (clients[0] as Redis).keys(`${prefix}*`);
      if (keys.length > 0) await (clients[0] as Redis).del(...keys);
      for (const client of clients) client.disconnect();
    });

    it("two clients (two instances) count one key together, each hit with its own count", async () => {
      const stores = clients.map((client) => new RedisRateLimitStore(client, { prefix }));
      const now = Date.now();
      const hits = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          (stores[n % 2] as RedisRateLimitStore).hit("shared", 60_000, now),
        ),
      );
      expect(hits.map((hit) => hit.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, n) => n + 1),
      );
      for (const hit of hits) {
        expect(hit.resetAt).toBeGreaterThan(now + 59_000);
        expect(hit.resetAt).toBeLessThanOrEqual(now + 60_000);
      }
      expect(await (clients[0] as Redis).pttl(`${prefix}shared`)).toBeGreaterThan(59_000);
    });

    it("a window ends when its key expires in Redis", async () => {
      const store = new RedisRateLimitStore(clients[0] as Redis, { prefix });
      expect((await store.hit("short", 50, Date.now())).count).toBe(1);
      expect((await store.hit("short", 50, Date.now())).count).toBe(2);
      await expect
        .poll(() => (clients[0] as Redis).exists(`${prefix}short`), { interval: 20 })
        .toBe(0);
      expect((await store.hit("short", 50, Date.now())).count).toBe(1);
    });

    it("through the limiter, exactly max of many concurrent requests pass", async () => {
      const limiter = new RateLimiter({
        store: new RedisRateLimitStore(clients[1] as Redis, { prefix }),
        limits: { login: { ip: { max: 5, windowSeconds: 60 } } },
      });
      const verdicts = await Promise.all(
        Array.from({ length: 20 }, () => limiter.hit("login", "ip", "2001:db8::1")),
      );
      expect(verdicts.filter((verdict) => verdict === null)).toHaveLength(5);
      for (const verdict of verdicts.filter((v) => v !== null)) {
        expect(verdict?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      }
    });
  },
);
