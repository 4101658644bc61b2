import type { AccessToken, User } from "../models.js";

/**
 * Where access tokens live. Every `token` argument and field is the *stored*
 * form (the strategy hashes before calling): an implementation never sees the
 * token a client holds.
 *
 * `notBefore` is the expiry bound: a token is valid while
 * `createdAt >= notBefore`; `null` means no expiry. Implementations must apply
 * it in the query, not after.
 */
export interface AccessTokenDatabase<U extends User<ID>, ID = U["id"]> {
  /** The token row, if it exists and is not expired. */
  getByToken(token: string, notBefore: Date | null): Promise<AccessToken<ID> | null>;
  /**
   * The user owning a valid token, in **one** round trip (token joined to its
   * user): valid means not expired and issued under the user's current
   * `securityStamp`. This is the authenticated request path: keep it a single
   * indexed query.
   */
  getUserByToken(token: string, notBefore: Date | null): Promise<U | null>;
  /**
   * Stores a new token row and returns it. Throws {@link UserNotExists} when
   * the user is gone (a login that raced the user's deletion).
   */
  create(data: AccessToken<ID>): Promise<AccessToken<ID>>;
  /** Changes a token row (its `createdAt`, to extend it) and returns it. */
  update(
    accessToken: AccessToken<ID>,
    data: Partial<Omit<AccessToken<ID>, "token">>,
  ): Promise<AccessToken<ID>>;
  /** Deletes one token; deleting a missing token is not an error. */
  delete(token: string): Promise<void>;
  /** Deletes every token of a user, except `keep` (a stored token) if given; returns how many went. */
  deleteByUser(userId: ID, options?: { keep?: string }): Promise<number>;
  /**
   * Deletes every token of a user but the newest `keep`, newest by
   * `createdAt` then `token` (an order concurrent callers agree on, so logins
   * racing each other leave exactly `keep`); returns how many went.
   */
  deleteAllButNewest(userId: ID, keep: number): Promise<number>;
  /**
   * Moves one token from stamp `from` to `to`, only if it still carries `from`;
   * returns whether it moved. Keeps alive the session that made a credential
   * change (which raised its user's stamp from `from` to `to`).
   */
  restamp(token: string, from: number, to: number): Promise<boolean>;
  /**
   * Deletes every token created before `notBefore`; returns how many went.
   * With `batchSize`, in statements of at most that many rows, so a large
   * purge never holds the table's locks for long.
   */
  deleteExpired(notBefore: Date, options?: { batchSize?: number }): Promise<number>;
  /** The user's tokens, newest first (expired ones included when `notBefore` is `null`). */
  listByUser(userId: ID, notBefore: Date | null): Promise<AccessToken<ID>[]>;
}
