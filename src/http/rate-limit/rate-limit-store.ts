/** What a store answers for one hit on a key. */
export interface RateLimitHit {
  /** Hits on the key in its current window, this one included. */
  count: number;
  /** When the current window ends (epoch milliseconds); the count starts again from zero then. */
  resetAt: number;
}

/**
 * Where rate-limit counters live: fixed windows, one counter per key. The
 * in-memory store serves one process; a shared store (`KyselyRateLimitStore`
 * from `tessera-auth/kysely`, `RedisRateLimitStore` from `tessera-auth/redis`) makes
 * several instances of an app count together.
 *
 * Implementations must count atomically: concurrent hits on one key, from one
 * process or many, each get a distinct count.
 */
export interface RateLimitStore {
  /**
   * Counts a hit on `key` and answers the count in the current window. A key
   * whose window ended (or that is new) starts a window of `windowMs` at `now`.
   */
  hit(key: string, windowMs: number, now: number): Promise<RateLimitHit>;
}
