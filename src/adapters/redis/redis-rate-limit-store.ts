import type { RateLimitHit, RateLimitStore } from "../../http/rate-limit/rate-limit-store.js";
import { guard, REDIS_TIMEOUT_MS } from "./guard.js";
import { watchOutages } from "./watch-outages.js";

/**
 * The slice of a Redis client the store uses: an ioredis `Redis` or `Cluster`
 * fits as is (`eval(script, numberOfKeys, ...keysThenArgs)`).
 */
export interface RedisEvalClient {
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisRateLimitStoreOptions {
  /** Prepended to every key. @default "" */
  prefix?: string;
  /**
   * Milliseconds a count may take before the request answers 503 (at once
   * while an ioredis client is reconnecting). @default 1000
   */
  timeoutMs?: number;
  /** Where Redis outages are logged, one line when it goes and one when it is back. @default console.warn */
  log?: (message: string) => void;
}

// One round trip, atomic: count, start the window's expiry on the first hit, say when it ends.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
`;

/**
 * Rate-limit counters in Redis, shared by every instance of the app: one key
 * per window, counted with INCR and expired by Redis itself. Redis
 * unreachable, the limited routes answer 503 within `timeoutMs` (they do not
 * run unlimited), and work again when it returns; `connectRedis` makes a
 * client with the settings this needs.
 *
 * @example
 * import Redis from "ioredis";
 * const store = new RedisRateLimitStore(new Redis(process.env.REDIS_URL));
 * const tessera = new Tessera({ ..., rateLimit: { store } });
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(
    private readonly client: RedisEvalClient,
    options: RedisRateLimitStoreOptions = {},
  ) {
    this.#prefix = options.prefix ?? "";
    this.#timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
    if (!(Number.isFinite(this.#timeoutMs) && this.#timeoutMs > 0)) {
      throw new RangeError(
        `timeoutMs must be a positive number of milliseconds, got ${options.timeoutMs}`,
      );
    }
    watchOutages(client, options.log);
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateLimitHit> {
    const [hits, ttl] = (await guard(this.client, this.#timeoutMs, () =>
      this.client.eval(HIT, 1, this.#prefix + key, windowMs),
    )) as [number, number];
    return { count: Number(hits), resetAt: now + Number(ttl) };
  }
}
