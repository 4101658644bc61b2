import type { Redis, RedisOptions } from "ioredis";
import { redactUrl } from "../../core/redact-url.js";
import { watchOutages } from "./watch-outages.js";

/**
 * The ioredis settings tessera's Redis stores are made for: commands fail at
 * once while disconnected instead of waiting in an offline queue (to be run
 * after the request has answered 503), a connection attempt to a silent host
 * gives up after 2 s, and reconnection goes on every 100 ms to 2 s.
 */
export const TESSERA_REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 100, 2000),
};

/**
 * Connects an ioredis client to `url` with {@link TESSERA_REDIS_OPTIONS}
 * (yours override them), waiting until it is ready: an unreachable Redis
 * fails here, at startup, in one line. Its outages are logged one line each
 * (down, back); it reconnects by itself.
 *
 * @example
 * const redis = await connectRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
 * const strategy = new RedisStrategy(redis, { lifetimeSeconds: 3600 });
 */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { ...TESSERA_REDIS_OPTIONS, ...options, lazyConnect: true });
  let reason = "";
  const quiet = (error: unknown) => {
    reason ||= (error as { code?: string }).code ?? (error as Error).message;
  };
  client.on("error", quiet);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `cannot connect to Redis at ${redactUrl(url)}: ${reason || (error as Error).message}`,
      { cause: error },
    );
  } finally {
    client.off("error", quiet);
  }
  watchOutages(client);
  return client;
}
