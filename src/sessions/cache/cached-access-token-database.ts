import type { AccessToken, User } from "../../core/models.js";
import type {
  AccessTokenDatabase,
  DeleteExpiredOptions,
  SessionBounds,
  SessionRecord,
  TokenSession,
} from "../access-token-database.js";
import type { SessionCache } from "./session-cache.js";

/**
 * An access-token store behind a {@link SessionCache}: the lookups of the
 * authenticated path are served from memory while the cache is up, with the
 * bounds checked against the given times on every hit; every write that
 * ends or changes a session invalidates it everywhere.
 */
export class CachedAccessTokenDatabase<U extends User<ID>, ID = U["id"]>
  implements AccessTokenDatabase<U, ID>
{
  readonly #inner: AccessTokenDatabase<U, ID>;
  readonly #cache: SessionCache;
  readonly #record: (token: string) => Promise<SessionRecord<U> | null>;

  constructor(inner: AccessTokenDatabase<U, ID>, cache: SessionCache) {
    const getSessionRecord = inner.getSessionRecord?.bind(inner);
    if (getSessionRecord === undefined) {
      throw new TypeError("a cached access-token store needs getSessionRecord()");
    }
    this.#inner = inner;
    this.#cache = cache;
    this.#record = getSessionRecord;
  }

  async getSessionByToken(token: string, bounds: SessionBounds): Promise<TokenSession<U> | null> {
    const record = await this.#session(token, bounds.notBefore, bounds.idleSince);
    if (record === null) return null;
    const lastUse = record.lastUsedAt ?? record.createdAt;
    return { user: record.user, stale: lastUse < bounds.staleBefore };
  }

  async getUserByToken(token: string, notBefore: Date | null): Promise<U | null> {
    return (await this.#session(token, notBefore, null))?.user ?? null;
  }

  getSessionRecord(token: string): Promise<SessionRecord<U> | null> {
    return this.#record(token);
  }

  async touch(token: string, at: Date, staleBefore: Date): Promise<boolean> {
    const wrote = await this.#inner.touch(token, at, staleBefore);
    // Not written: another instance recorded a later use; this entry's last use is out of date.
    if (wrote) this.#cache.touched(token, at);
    else this.#cache.forget(token);
    return wrote;
  }

  /** From memory when it can; an entry idle past `idleSince` is read again (another instance may have used it since). */
  async #session(
    token: string,
    notBefore: Date | null,
    idleSince: Date | null,
  ): Promise<SessionRecord<U> | null> {
    const cached = this.#cache.lookup(token) as SessionRecord<U> | undefined;
    if (cached !== undefined) {
      if (notBefore !== null && cached.createdAt < notBefore) return null;
      if (idleSince === null || (cached.lastUsedAt ?? cached.createdAt) >= idleSince) return cached;
    }
    const epoch = this.#cache.epoch;
    const record = await this.#record(token);
    if (record === null) return null;
    if (notBefore !== null && record.createdAt < notBefore) return null;
    if (idleSince !== null && (record.lastUsedAt ?? record.createdAt) < idleSince) return null;
    this.#cache.fill(token, record, epoch);
    return record;
  }

  getByToken(token: string, notBefore: Date | null): Promise<AccessToken<ID> | null> {
    return this.#inner.getByToken(token, notBefore);
  }

  create(data: AccessToken<ID>): Promise<AccessToken<ID>> {
    return this.#inner.create(data);
  }

  async update(
    accessToken: AccessToken<ID>,
    data: Partial<Omit<AccessToken<ID>, "token">>,
  ): Promise<AccessToken<ID>> {
    try {
      return await this.#inner.update(accessToken, data);
    } finally {
      await this.#cache.invalidate({ kind: "token", key: accessToken.token });
    }
  }

  async delete(token: string): Promise<void> {
    try {
      await this.#inner.delete(token);
    } finally {
      await this.#cache.invalidate({ kind: "token", key: token });
    }
  }

  async deleteByUser(userId: ID, options?: { keep?: string }): Promise<number> {
    try {
      return await this.#inner.deleteByUser(userId, options);
    } finally {
      await this.#cache.invalidate({ kind: "user", key: String(userId) });
    }
  }

  async deleteAllButNewest(userId: ID, keep: number): Promise<number> {
    try {
      return await this.#inner.deleteAllButNewest(userId, keep);
    } finally {
      await this.#cache.invalidate({ kind: "user", key: String(userId) });
    }
  }

  async restamp(token: string, from: number, to: number): Promise<boolean> {
    try {
      return await this.#inner.restamp(token, from, to);
    } finally {
      await this.#cache.invalidate({ kind: "token", key: token });
    }
  }

  // Expired sessions are refused by the clock on every hit: a purge changes nothing a cache holds.
  deleteExpired(notBefore: Date, options?: DeleteExpiredOptions): Promise<number> {
    return this.#inner.deleteExpired(notBefore, options);
  }

  listByUser(userId: ID, notBefore: Date | null): Promise<AccessToken<ID>[]> {
    return this.#inner.listByUser(userId, notBefore);
  }
}
