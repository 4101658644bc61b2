import { Redis } from "ioredis";

/** The test Redis server. */
export const REDIS_URL = process.env.TESSERA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Why Redis cannot be used (its tests are then skipped, saying so), or `null`
 * when it answers. With CI=true an absent Redis fails the run instead.
 */
export async function redisUnavailable(): Promise<string | null> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (error) {
    const reason = `Redis at ${REDIS_URL} is unreachable (${(error as Error).message})`;
    if (process.env.CI === "true")
      throw new Error(`${reason}; with CI=true it must run (bash .ci/run starts it)`);
    console.warn(`tessera tests: ${reason}: skipping its tests.`);
    return reason;
  } finally {
    probe.disconnect();
  }
}
