import type { User, UserCreateData, UserUpdateData } from "../../core/models.js";
import type { UserDatabase } from "../../users/user-database.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import type { SessionCache } from "./session-cache.js";

/**
 * A user store whose writes invalidate a {@link SessionCache}: a cached
 * session carries its user, so changing or deleting a user (a new password,
 * email, flag, or a deactivation) drops every session of theirs everywhere.
 */
export class CachedUserDatabase<U extends User<ID>, ID = U["id"]> implements UserDatabase<U, ID> {
  readonly #inner: UserDatabase<U, ID>;
  readonly #cache: SessionCache;
  readonly userFields?: readonly ResolvedUserField[];

  constructor(inner: UserDatabase<U, ID>, cache: SessionCache) {
    this.#inner = inner;
    this.#cache = cache;
    this.userFields = inner.userFields;
  }

  parseId(raw: string): ID | null {
    return this.#inner.parseId(raw);
  }

  get(id: ID): Promise<U | null> {
    return this.#inner.get(id);
  }

  getByEmail(email: string): Promise<U | null> {
    return this.#inner.getByEmail(email);
  }

  create(data: UserCreateData): Promise<U> {
    return this.#inner.create(data);
  }

  async update(user: U, data: UserUpdateData): Promise<U | null> {
    try {
      return await this.#inner.update(user, data);
    } finally {
      await this.#cache.invalidate({ kind: "user", key: String(user.id) });
    }
  }

  async delete(user: U): Promise<void> {
    try {
      await this.#inner.delete(user);
    } finally {
      await this.#cache.invalidate({ kind: "user", key: String(user.id) });
    }
  }
}
