import type { User, UserCreateData, UserUpdateData } from "../core/models.js";
import type { ResolvedUserField } from "./user-fields.js";

/**
 * Where users live. Implement it to plug tessera into any store; the shared
 * conformance suite (`tessera-auth/testing`) checks an implementation.
 *
 * Implementations must:
 * - compare emails case-insensitively in `getByEmail`, and refuse a second user
 *   whose email differs only in case by throwing {@link UserAlreadyExists}
 *   from `create` and `update` (a unique index is the race-free way);
 * - store `securityStamp` (0 for a new user) and write conditionally in `update`;
 * - throw {@link DatabaseUnavailableError} when the store cannot be reached.
 */
export interface UserDatabase<U extends User<ID>, ID = U["id"]> {
  /**
   * The custom fields it stores (see `defineUserFields`). The user manager
   * reads who may write each: on a safe (self-service) write it keeps only
   * those users write themselves. A store without declared fields gets none
   * from a safe write.
   */
  readonly userFields?: readonly ResolvedUserField[];
  /**
   * An id as it appears in a URL, parsed to this store's id type, or `null`
   * when it cannot be one (the route then answers 404 without a query). The
   * store is where the id type is declared, once.
   */
  parseId(raw: string): ID | null;
  /** The user with this id, or `null`. */
  get(id: ID): Promise<U | null>;
  /** The user whose email equals this one ignoring case, or `null`. */
  getByEmail(email: string): Promise<U | null>;
  /**
   * Inserts a user and returns it as stored (with its new id). Custom fields
   * come as more properties of `data`; those not given get their default, or
   * `null`.
   */
  create(data: UserCreateData): Promise<U>;
  /**
   * Applies a partial change as a compare-and-set on what was read: only if the
   * stored user still has `user`'s `securityStamp` and, for every field in
   * `data`, the value `user` has. Returns the user as stored afterwards, or
   * `null` when nothing matched (the user changed since it was read, or is
   * gone): the caller reads again and decides. `{}` changes nothing and
   * returns `user`.
   *
   * SQL: `update … set <data> where id = ? and security_stamp = ? and <field> = <read value> …`,
   * then the number of matched rows.
   */
  update(user: U, data: UserUpdateData): Promise<U | null>;
  /** Deletes the user; its access tokens go with it. */
  delete(user: U): Promise<void>;
}
