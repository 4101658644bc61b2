import type { AccessToken, RefreshToken, User } from "../models.js";
import type { DeleteExpiredOptions } from "./access-token-database.js";

/**
 * Where rotating refresh tokens live, beside the access tokens of their
 * sessions. Every `token` is the stored form (SHA-256). A session with a
 * refresh token is a *family*: its id is on each of its access tokens
 * (`AccessToken.family`) and refresh tokens. Writes that touch both tables
 * are atomic: a pair is either fully stored or not at all.
 */
export interface RefreshTokenDatabase<U extends User<ID>, ID = U["id"]> {
  /** Stores a new session's access token and first refresh token, both or neither. */
  create(access: AccessToken<ID>, refresh: RefreshToken<ID>): Promise<void>;
  /**
   * The refresh token, used or not, if created at or after `notBefore`, with
   * its user when the token still carries the user's current stamp (else
   * `user` is `null`).
   */
  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<ID>; user: U | null } | null>;
  /**
   * Exchanges `used` for a new pair, atomically: marks it used at `at` only
   * if it is unused (compare-and-set), deletes the family's access tokens,
   * and stores the new access and refresh tokens. `false`, with nothing
   * changed, when `used` was already used or is gone.
   */
  rotate(
    used: string,
    at: Date,
    access: AccessToken<ID>,
    refresh: RefreshToken<ID>,
  ): Promise<boolean>;
  /** Deletes a family: its access and refresh tokens. Returns how many access tokens went. */
  deleteFamily(family: string): Promise<number>;
  /** Deletes every refresh token of the user, except those of `keepFamily`; returns how many. */
  deleteByUser(userId: ID, options?: { keepFamily?: string }): Promise<number>;
  /** Moves a family's unused refresh tokens from stamp `from` to `to`. */
  restampFamily(family: string, from: number, to: number): Promise<void>;
  /** The user's unused refresh tokens created at or after `notBefore`, newest session first. */
  listByUser(userId: ID, notBefore: Date | null): Promise<RefreshToken<ID>[]>;
  /** Deletes refresh tokens (used or not) created before `notBefore`; returns how many. */
  deleteExpired(
    notBefore: Date,
    options?: Omit<DeleteExpiredOptions, "idleSince">,
  ): Promise<number>;
}
