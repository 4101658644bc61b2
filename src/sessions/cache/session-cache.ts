import { performance } from "node:perf_hooks";
import type { User } from "../../core/models.js";
import type { UserDatabase } from "../../users/user-database.js";
import type { AccessTokenDatabase, SessionRecord } from "../access-token-database.js";
import type { RefreshTokenDatabase } from "../refresh-token-database.js";
import { CachedAccessTokenDatabase } from "./cached-access-token-database.js";
import { CachedRefreshTokenDatabase } from "./cached-refresh-token-database.js";
import { CachedUserDatabase } from "./cached-user-database.js";
import { decodeInvalidation, encodeInvalidation, type Invalidation } from "./invalidation.js";
import type { ChannelReceiver, RevocationChannel } from "./revocation-channel.js";

export interface SessionCacheOptions {
  /** How this instance hears of other instances' revocations (and tells them of its own). */
  channel: RevocationChannel;
  /** Sessions kept; past it, the least recently used go. @default 10000 */
  maxEntries?: number;
  /**
   * The staleness bound: a cached session is used only while the channel has
   * confirmed delivery within this many milliseconds, so a revocation on any
   * instance is seen everywhere within it. Past it the cache is bypassed.
   * @default 100
   */
  maxStalenessMs?: number;
  /**
   * How long an entry is served before it is read again from the database:
   * a backstop for an invalidation that never arrived (an instance that
   * crashed between its write and the publish). @default 60000
   */
  maxEntryAgeMs?: number;
  /** How often the channel proves it delivers. @default a quarter of maxStalenessMs */
  heartbeatMs?: number;
  /** Where state changes are logged. @default console.warn */
  log?: (message: string) => void;
  /** A monotonic clock in milliseconds (tests inject one). @default performance.now */
  now?: () => number;
}

/**
 * `up`: entries are served. `behind`: connected, but no confirmation within
 * the bound. `idle`: no lookup for a while, so the channel stopped proving
 * itself (an idle instance costs the database nothing); the next lookup goes
 * to the database and wakes it. `down`: the channel lost its connection.
 * `starting` and `down` end with the first confirmation after (re)connecting,
 * which empties the cache (messages may have been missed). Only `up` serves
 * entries.
 */
export type CacheState = "starting" | "up" | "behind" | "idle" | "down" | "closed";

/** What {@link SessionCache.status} reports (the demo's `/health` shows it). */
export interface CacheStatus {
  state: CacheState;
  channel: string;
  entries: number;
  /** Lookups served from memory. */
  hits: number;
  /** Lookups that went to the database and may have filled an entry. */
  misses: number;
  /** Lookups that went to the database because the cache was not `up`. */
  bypassed: number;
  /** Invalidations this instance made, and those it received. */
  invalidations: { sent: number; received: number };
  /** Milliseconds since the last confirmed delivery (`null`: never). */
  confirmedMsAgo: number | null;
  maxStalenessMs: number;
}

/** An adapter's stores, as `kyselyAdapter` returns them. */
export interface CacheableStores<U extends User<ID>, ID> {
  users: UserDatabase<U, ID>;
  accessTokens: AccessTokenDatabase<U, ID>;
  refreshTokens?: RefreshTokenDatabase<U, ID>;
}

/** The same stores behind the cache. */
export interface CachedStores<U extends User<ID>, ID> {
  users: UserDatabase<U, ID>;
  accessTokens: AccessTokenDatabase<U, ID>;
  refreshTokens: RefreshTokenDatabase<U, ID>;
}

interface Entry {
  readonly record: SessionRecord<unknown>;
  /** When it was filled ({@link SessionCacheOptions.now}). */
  readonly filledAt: number;
  readonly userKey: string;
  /** Used since the eviction scan last passed it (second chance). */
  used: boolean;
}

const RETRY_MS = 250;
/** Without a lookup for this long, heartbeats and polls pause until the next one. */
const IDLE_AFTER_MS = 5_000;
/** How long a write waits for its invalidation to be published before it answers anyway. */
const PUBLISH_WAIT_MS = 1_000;
const MAX_PENDING = 1_000;
const EVICTION_SCAN = 16;

/**
 * An in-process cache of token → session for the authenticated path, kept
 * exact by invalidations: every write that ends or changes a session or a
 * user drops the entries it touches here at once and, through a
 * {@link RevocationChannel}, in every other instance. It fails closed: while
 * the channel is down or has not confirmed delivery within `maxStalenessMs`,
 * every lookup goes to the database. Expiry is checked against the strategy's
 * clock on every hit, never cached.
 *
 * Process-scoped: one per process, shared by every request. Put it in front of
 * an adapter's stores with {@link wrap}; writes made outside tessera (SQL by
 * hand) do not invalidate it.
 *
 * @example
 * const cache = new SessionCache({ channel: postgresChannel({ connectionString, db }) });
 * const { users, accessTokens, refreshTokens } = cache.wrap(kyselyAdapter(db));
 * await cache.start();
 */
export class SessionCache {
  readonly maxEntries: number;
  readonly maxStalenessMs: number;
  readonly maxEntryAgeMs: number;
  readonly #channel: RevocationChannel;
  readonly #heartbeatMs: number;
  readonly #log: (message: string) => void;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #byFamily = new Map<string, Set<string>>();
  #state: CacheState = "starting";
  /** Bumped by every invalidation: a lookup that read the database before one may not fill an entry. */
  #epoch = 0;
  #confirmedAt = Number.NEGATIVE_INFINITY;
  /** Confirmations of heartbeats sent before this (a lost connection) do not count. */
  #downAt = Number.NEGATIVE_INFINITY;
  #pending: string[] = [];
  #retry: NodeJS.Timeout | null = null;
  #counts = { hits: 0, misses: 0, bypassed: 0, sent: 0, received: 0 };
  #lastLookupAt = Number.NEGATIVE_INFINITY;

  constructor(options: SessionCacheOptions) {
    const { maxEntries = 10_000, maxStalenessMs = 100, maxEntryAgeMs = 60_000 } = options;
    if (!(maxEntryAgeMs > 0)) throw new RangeError("maxEntryAgeMs must be a positive number");
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
      throw new RangeError("maxEntries must be a positive integer");
    }
    if (!(maxStalenessMs > 0)) throw new RangeError("maxStalenessMs must be a positive number");
    const heartbeatMs = options.heartbeatMs ?? maxStalenessMs / 4;
    if (!(heartbeatMs > 0 && heartbeatMs < maxStalenessMs)) {
      throw new RangeError("heartbeatMs must be positive and below maxStalenessMs");
    }
    this.maxEntries = maxEntries;
    this.maxStalenessMs = maxStalenessMs;
    this.maxEntryAgeMs = maxEntryAgeMs;
    this.#heartbeatMs = heartbeatMs;
    this.#channel = options.channel;
    this.#log = options.log ?? ((message) => console.warn(message));
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Puts the cache in front of an adapter's stores: give the strategy and the
   * user manager these, never the stores themselves, or their writes would
   * not invalidate it. The access-token store needs `getSessionRecord`.
   */
  wrap<U extends User<ID>, ID>(
    stores: CacheableStores<U, ID> & { refreshTokens: RefreshTokenDatabase<U, ID> },
  ): CachedStores<U, ID>;
  wrap<U extends User<ID>, ID>(
    stores: CacheableStores<U, ID>,
  ): Omit<CachedStores<U, ID>, "refreshTokens">;
  wrap<U extends User<ID>, ID>(stores: CacheableStores<U, ID>): Partial<CachedStores<U, ID>> {
    return {
      users: new CachedUserDatabase(stores.users, this),
      accessTokens: new CachedAccessTokenDatabase(stores.accessTokens, this),
      refreshTokens:
        stores.refreshTokens && new CachedRefreshTokenDatabase(stores.refreshTokens, this),
    };
  }

  /** Starts the channel. Until it confirms delivery, lookups bypass the cache. */
  start(): Promise<void> {
    const receiver: ChannelReceiver = {
      message: (message) => this.#received(message),
      confirmed: (since) => this.#confirmed(since),
      down: (reason) => this.#down(reason),
      now: this.#now,
      // Starting or reconnected, it proves itself at once; otherwise only while lookups come.
      active: () =>
        this.#state === "starting" ||
        this.#state === "down" ||
        this.#now() - this.#lastLookupAt < IDLE_AFTER_MS,
    };
    return this.#channel.start(receiver, { heartbeatMs: this.#heartbeatMs });
  }

  /** Stops the channel; the cache serves nothing more. */
  async close(): Promise<void> {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    // Invalidations not sent yet get one last chance, bounded, before the channel goes.
    if (this.#pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((resolve) => {
        timer = setTimeout(resolve, PUBLISH_WAIT_MS);
      });
      await Promise.race([this.#flush(), late]).finally(() => clearTimeout(timer));
    }
    this.#state = "closed";
    if (this.#retry) clearTimeout(this.#retry);
    this.#clear();
    await this.#channel.close();
  }

  status(): CacheStatus {
    const { hits, misses, bypassed, sent, received } = this.#counts;
    if (this.#state === "up") this.#usable();
    const since = this.#now() - this.#confirmedAt;
    return {
      state: this.#state,
      channel: this.#channel.name,
      entries: this.#entries.size,
      hits,
      misses,
      bypassed,
      invalidations: { sent, received },
      confirmedMsAgo: Number.isFinite(since) ? Math.round(since) : null,
      maxStalenessMs: this.maxStalenessMs,
    };
  }

  /** The cached session of a stored token; `undefined` on a miss or while the cache is bypassed. */
  lookup(token: string): SessionRecord<unknown> | undefined {
    const usable = this.#usable();
    this.#lastLookupAt = this.#now();
    if (!usable) {
      this.#counts.bypassed++;
      return undefined;
    }
    const entry = this.#entries.get(token);
    if (entry === undefined || this.#now() - entry.filledAt > this.maxEntryAgeMs) {
      this.#counts.misses++;
      return undefined;
    }
    this.#counts.hits++;
    entry.used = true;
    // A copy: what a request does with its user never reaches the entry other requests read.
    return { ...entry.record, user: { ...(entry.record.user as object) } };
  }

  /** Read before a database lookup; {@link fill} with it after, so no invalidation in between is undone. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Keeps a session the database returned, unless an invalidation came since `epoch`. */
  fill(token: string, record: SessionRecord<unknown>, epoch: number): void {
    if (epoch !== this.#epoch || !this.#usable()) return;
    this.#remove(token);
    if (this.#entries.size >= this.maxEntries) this.#evict();
    const userKey = String((record.user as { id: unknown }).id);
    this.#entries.set(token, { record, userKey, filledAt: this.#now(), used: false });
    addTo(this.#byUser, userKey, token);
    if (record.family !== null) addTo(this.#byFamily, record.family, token);
  }

  /** Records a use this instance wrote to the database. */
  touched(token: string, at: Date): void {
    const entry = this.#entries.get(token);
    if (entry) entry.record.lastUsedAt = at;
  }

  /** Drops one entry here only (its row changed in a way other instances find out by themselves). */
  forget(token: string): void {
    this.#remove(token);
    this.#epoch++;
  }

  /**
   * Drops what a write ended or changed, here at once and in every other
   * instance. Resolves once the channel has taken the message (so the bound
   * runs from the write's answer), or after {@link PUBLISH_WAIT_MS} at most;
   * a message the channel refused or did not take in time is retried.
   */
  invalidate(invalidation: Invalidation): Promise<void> {
    this.#apply(invalidation);
    this.#counts.sent++;
    const message = encodeInvalidation(invalidation);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), PUBLISH_WAIT_MS);
    });
    const sent = this.#channel.publish(message).then(
      () => "sent" as const,
      (error: unknown) => {
        this.#queue(message, error);
        return "queued" as const;
      },
    );
    return Promise.race([sent, late]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === "late") this.#queue(message, new Error(`not sent in ${PUBLISH_WAIT_MS} ms`));
    });
  }

  #usable(): boolean {
    if (this.#state !== "up") return false;
    const now = this.#now();
    if (now - this.#confirmedAt <= this.maxStalenessMs) return true;
    if (now - this.#lastLookupAt >= IDLE_AFTER_MS) {
      this.#state = "idle";
      return false;
    }
    this.#state = "behind";
    this.#log(
      `tessera cache: the ${this.#channel.name} channel confirmed nothing for ${this.maxStalenessMs} ms; bypassing the cache until it catches up`,
    );
    return false;
  }

  #received(message: string): void {
    const invalidation = decodeInvalidation(message);
    if (invalidation === null) return;
    this.#counts.received++;
    this.#apply(invalidation);
  }

  #confirmed(since: number): void {
    if (since <= this.#downAt || this.#state === "closed") return;
    this.#confirmedAt = Math.max(this.#confirmedAt, since);
    if (this.#state === "up" || this.#now() - this.#confirmedAt > this.maxStalenessMs) return;
    if (this.#state === "behind") {
      this.#log(`tessera cache: the ${this.#channel.name} channel caught up; cache on`);
    } else if (this.#state === "idle") {
      // Woken by a lookup: every message was still delivered (or, polled, is read now).
    } else {
      // Starting, or back after a lost connection: what it missed is unknown, so nothing kept is trusted.
      const dropped = this.#entries.size;
      this.#clear();
      this.#log(
        `tessera cache: the ${this.#channel.name} channel is up; cache on${dropped > 0 ? ` (${dropped} entries from before dropped)` : ""}`,
      );
    }
    this.#state = "up";
  }

  #down(reason: string): void {
    if (this.#state === "closed") return;
    this.#downAt = this.#now();
    this.#epoch++;
    if (this.#state === "down") return;
    this.#state = "down";
    this.#log(
      `tessera cache: the ${this.#channel.name} channel is down (${reason}); every lookup goes to the database until it is back`,
    );
  }

  #apply(invalidation: Invalidation): void {
    this.#epoch++;
    switch (invalidation.kind) {
      case "token":
        this.#remove(invalidation.key);
        break;
      case "user":
        for (const token of this.#byUser.get(invalidation.key) ?? []) this.#remove(token);
        break;
      case "family":
        for (const token of this.#byFamily.get(invalidation.key) ?? []) this.#remove(token);
        break;
      case "all":
        this.#clear();
    }
  }

  // A message that could not be sent is retried until it is; past MAX_PENDING, one "drop all" replaces them.
  #queue(message: string, error: unknown): void {
    if (this.#state === "closed") return;
    if (this.#pending.length === 0) {
      this.#log(
        `tessera cache: could not publish an invalidation on the ${this.#channel.name} channel (${errorText(error)}); retrying`,
      );
    }
    this.#pending = this.#pending.length >= MAX_PENDING ? ["*"] : [...this.#pending, message];
    this.#retry ??= setTimeout(() => this.#flush(), RETRY_MS);
    this.#retry.unref?.();
  }

  async #flush(): Promise<void> {
    this.#retry = null;
    const pending = this.#pending;
    this.#pending = [];
    for (const [i, message] of pending.entries()) {
      try {
        await this.#channel.publish(message);
      } catch (error) {
        for (const unsent of pending.slice(i)) this.#queue(unsent, error);
        return;
      }
    }
  }

  #remove(token: string): void {
    const entry = this.#entries.get(token);
    if (entry === undefined) return;
    this.#entries.delete(token);
    removeFrom(this.#byUser, entry.userKey, token);
    if (entry.record.family !== null) removeFrom(this.#byFamily, entry.record.family, token);
  }

  #clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#byUser.clear();
    this.#byFamily.clear();
  }

  // Second chance: the oldest entry goes unless it was used since the last pass, which moves it to the end.
  #evict(): void {
    for (let i = 0; i < EVICTION_SCAN; i++) {
      const first = this.#entries.entries().next();
      if (first.done) return;
      const [token, entry] = first.value;
      this.#entries.delete(token);
      if (!entry.used) {
        removeFrom(this.#byUser, entry.userKey, token);
        if (entry.record.family !== null) removeFrom(this.#byFamily, entry.record.family, token);
        return;
      }
      entry.used = false;
      this.#entries.set(token, entry);
    }
    const first = this.#entries.keys().next();
    if (!first.done) this.#remove(first.value);
  }
}

function addTo(index: Map<string, Set<string>>, key: string, token: string): void {
  const tokens = index.get(key);
  if (tokens) tokens.add(token);
  else index.set(key, new Set([token]));
}

function removeFrom(index: Map<string, Set<string>>, key: string, token: string): void {
  const tokens = index.get(key);
  if (!tokens) return;
  tokens.delete(token);
  if (tokens.size === 0) index.delete(key);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
