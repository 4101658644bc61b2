import type { RateLimitHit, RateLimitStore } from "../../http/rate-limit/rate-limit-store.js";

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
 * per window, counted with INCR and expired by Redis itself.
 *
 * @example
 * import Redis from "ioredis";
 * const store = new RedisRateLimitStore(new Redis(process.env.REDIS_URL));
 * const tessera = new Tessera({ ..., rateLimit: { store } });
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #prefix: string;

  constructor(
    private readonly client: RedisEvalClient,
    options: RedisRateLimitStoreOptions = {},
  ) {
    this.#prefix = options.prefix ?? "";
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateLimitHit> {
    const [hits, ttl] = (await this.client.eval(HIT, 1, this.#prefix + key, windowMs)) as [
      number,
      number,
    ];
    return { count: Number(hits), resetAt: now + Number(ttl) };
  }
}
