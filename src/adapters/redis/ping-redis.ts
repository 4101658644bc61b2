import { guard, REDIS_TIMEOUT_MS } from "./guard.js";

/**
 * Whether Redis answers a PING within `timeoutMs`: for a health check.
 *
 * @example
 * app.get("/health", async (c) => ((await pingRedis(redis)) ? c.json({ ok: true }) : c.json({ ok: false }, 503)));
 */
export async function pingRedis(
  client: { ping(): Promise<unknown> },
  timeoutMs: number = REDIS_TIMEOUT_MS,
): Promise<boolean> {
  try {
    await guard(client, timeoutMs, () => client.ping());
    return true;
  } catch {
    return false;
  }
}
