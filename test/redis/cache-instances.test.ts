import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  channelOutage,
  describeLatencies,
  register,
  revocationRounds,
  startCachedPair,
} from "../support/cache-instances.js";
import type { DemoProcess } from "../support/demo-process.js";
import { RedisServerProcess, redisServerMissing } from "../support/redis-server-process.js";
import { freshDatabaseUrl } from "../support/test-database.js";

const missing = redisServerMissing();
if (missing && process.env.CI === "true") {
  throw new Error(`${missing}; with CI=true the Redis cache tests must run`);
}
if (missing) console.warn(`tessera tests: ${missing}: skipping the Redis cache tests.`);

describe.skipIf(missing !== null)(
  `two demo processes with TESSERA_CACHE=1 and REDIS_URL (one SQLite file)${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let redis: RedisServerProcess;
    let a: DemoProcess;
    let b: DemoProcess;

    beforeAll(async () => {
      redis = await RedisServerProcess.start();
      [a, b] = await startCachedPair(await freshDatabaseUrl(), { REDIS_URL: redis.url });
      await register(a, "ada@example.com");
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.stop();
    });

    it("a logout on A is refused by B within the bound (Redis pub/sub), 20 rounds", async () => {
      const visibleAfter = await revocationRounds(a, b, "ada@example.com", 20);
      console.info(`redis, two processes: B refused after ${describeLatencies(visibleAfter)}`);
      expect(visibleAfter).toHaveLength(20);
    });

    it("Redis stopped: B bypasses its cache and refuses a revoked token; Redis back, the cache resumes", async () => {
      await channelOutage(a, b, "ada@example.com", {
        kill: () => redis.stop(),
        restore: () => redis.start(),
      });
    });
  },
);
