import type { User, UserCreateData, UserUpdateData } from "../models.js";

/**
 * Where users live. Implement it to plug tessera into any store; the shared
 * conformance suite (`tessera/testing`) checks an implementation.
 *
 * Implementations must:
 * - compare emails case-insensitively in `getByEmail`, and refuse a second user
 *   whose email differs only in case by throwing {@link UserAlreadyExists}
 *   from `create` and `update` (a unique index is the race-free way);
 * - throw {@link DatabaseUnavailableError} when the store cannot be reached.
 */
export interface UserDatabase<U extends User<ID>, ID = U["id"]> {
  /** The user with this id, or `null`. */
  get(id: ID): Promise<U | null>;
  /** The user whose email equals this one ignoring case, or `null`. */
  getByEmail(email: string): Promise<U | null>;
  /** Inserts a user and returns it as stored (with its new id). */
  create(data: UserCreateData): Promise<U>;
  /** Applies a partial change and returns the user as stored afterwards. */
  update(user: U, data: UserUpdateData): Promise<U>;
  /** Deletes the user; its access tokens go with it. */
  delete(user: U): Promise<void>;
}
