import type { RateLimitHit, RateLimitStore } from "./rate-limit-store.js";

export interface MemoryRateLimitStoreOptions {
  /**
   * Most keys kept; past it the oldest windows are dropped first, so a flood
   * of distinct addresses cannot grow memory without bound.
   * @default 100000
   */
  maxKeys?: number;
}

/**
 * Rate-limit counters in this process's memory: the default store. Each
 * instance of an app counts on its own; use a shared store when several
 * instances serve one site.
 *
 * @example
 * const tessera = new Tessera({ ..., rateLimit: { store: new MemoryRateLimitStore() } });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  // Map order is insertion order: a key is re-inserted when its window starts,
  // so the first entries are the oldest windows.
  readonly #windows = new Map<string, RateLimitHit>();
  readonly #maxKeys: number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateLimitHit> {
    const current = this.#windows.get(key);
    if (current !== undefined && current.resetAt > now) {
      current.count += 1;
      return { ...current };
    }
    this.#windows.delete(key);
    const started = { count: 1, resetAt: now + windowMs };
    this.#windows.set(key, started);
    if (this.#windows.size > this.#maxKeys) this.#evictOldest();
    return { ...started };
  }

  /** Drops the oldest tenth of the windows at once, so eviction costs O(1) per hit over time. */
  #evictOldest(): void {
    const keep = Math.floor(this.#maxKeys * 0.9);
    for (const key of this.#windows.keys()) {
      if (this.#windows.size <= keep) return;
      this.#windows.delete(key);
    }
  }
}
