import type { AccessToken, RefreshToken, User } from "../../core/models.js";
import type { DeleteExpiredOptions } from "../access-token-database.js";
import type {
  RefreshTokenDatabase,
  RotationResult,
  SessionRecordRow,
} from "../refresh-token-database.js";
import type { SessionCache } from "./session-cache.js";

/**
 * A refresh-token store whose rotations and revocations invalidate a
 * {@link SessionCache}: both delete the access tokens of a family.
 */
export class CachedRefreshTokenDatabase<U extends User<ID>, ID = U["id"]>
  implements RefreshTokenDatabase<U, ID>
{
  readonly #inner: RefreshTokenDatabase<U, ID>;
  readonly #cache: SessionCache;

  constructor(inner: RefreshTokenDatabase<U, ID>, cache: SessionCache) {
    this.#inner = inner;
    this.#cache = cache;
  }

  create(access: AccessToken<ID>, refresh: RefreshToken<ID>): Promise<void> {
    return this.#inner.create(access, refresh);
  }

  find(token: string, notBefore: Date | null) {
    return this.#inner.find(token, notBefore);
  }

  async rotate(
    used: string,
    at: Date,
    access: AccessToken<ID>,
    refresh: RefreshToken<ID>,
  ): Promise<RotationResult> {
    try {
      return await this.#inner.rotate(used, at, access, refresh);
    } finally {
      await this.#cache.invalidate({ kind: "family", key: refresh.family });
    }
  }

  getSession(family: string): Promise<SessionRecordRow<ID> | null> {
    return this.#inner.getSession(family);
  }

  async deleteFamily(family: string): Promise<number> {
    try {
      return await this.#inner.deleteFamily(family);
    } finally {
      await this.#cache.invalidate({ kind: "family", key: family });
    }
  }

  async deleteByUser(userId: ID, options?: { keepFamily?: string }): Promise<number> {
    try {
      return await this.#inner.deleteByUser(userId, options);
    } finally {
      // It ends the families' access tokens too; the caller's own deleteByUser of the
      // access tokens (which always follows) invalidates the user, so this is belt and braces.
      await this.#cache.invalidate({ kind: "user", key: String(userId) });
    }
  }

  restampFamily(family: string, from: number, to: number): Promise<void> {
    return this.#inner.restampFamily(family, from, to);
  }

  listByUser(userId: ID, notBefore: Date | null): Promise<RefreshToken<ID>[]> {
    return this.#inner.listByUser(userId, notBefore);
  }

  deleteExpired(
    notBefore: Date,
    options?: Omit<DeleteExpiredOptions, "idleSince">,
  ): Promise<number> {
    return this.#inner.deleteExpired(notBefore, options);
  }
}
