import type { AccessToken, RefreshToken, User } from "../core/models.js";
import type { DeleteExpiredOptions } from "./access-token-database.js";

/**
 * The authoritative record of a session with a refresh token, keyed by its
 * family: while it exists the session may be refreshed; once it is deleted
 * nothing of the session works again.
 */
export interface SessionRecordRow<ID = string> {
  /** The family, which is the session's public id. */
  id: string;
  userId: ID;
  /** When the session was proven by a login: what freshness is measured from. */
  createdAt: Date;
  /** How it was proven (`AccessToken.amr`); empty for a session from before tessera recorded it. */
  amr: string[];
}

/**
 * The stamp a rotation gives the access tokens it replaces: no user has it,
 * so no lookup finds their user, while their rows still name their family, so
 * a logout with a token that a refresh just replaced still ends its session.
 * The purge deletes them once expired.
 */
export const SUPERSEDED_STAMP = -1;

/**
 * What a rotation came to: `rotated`, the new pair is stored; `used`, the
 * token was used before (a copy of it is in other hands); `ended`, its
 * session's record is gone (revoked), and nothing was stored.
 */
export type RotationResult = "rotated" | "used" | "ended";

/**
 * Where rotating refresh tokens live, beside the access tokens of their
 * sessions. Every `token` is the stored form (SHA-256). A session with a
 * refresh token is a *family*: its id is on each of its access tokens
 * (`AccessToken.family`) and refresh tokens, and on its one **session
 * record**. Writes that touch several tables are atomic: a session is either
 * fully stored or not at all.
 *
 * **The race rule** every implementation keeps: a rotation first checks and
 * advances the session record (a row lock on SQL: `UPDATE … WHERE id = ?`),
 * and every revocation first deletes the record, then the tokens; so a
 * rotation that comes after a revocation adds nothing, and one that came
 * before is seen by the revocation's later deletes. The race kit
 * (`runSessionRaceSuite` in `tessera-auth/testing`) checks it.
 */
export interface RefreshTokenDatabase<U extends User<ID>, ID = U["id"]> {
  /**
   * Stores a new session: its record (from `refresh`'s family, user, start
   * and metadata, `amr` included), its access token and first refresh token,
   * all or none.
   */
  create(access: AccessToken<ID>, refresh: RefreshToken<ID>): Promise<void>;
  /**
   * The refresh token, used or not, if created at or after `notBefore`, with
   * its user when the token still carries the user's current stamp (else
   * `user` is `null`), and its session record's `amr` (none once the record
   * is gone).
   */
  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<ID>; user: U | null } | null>;
  /**
   * Exchanges `used` for a new pair, atomically: first advances the family's
   * session record (`ended`, with nothing changed, when it is gone), then
   * marks `used` used at `at` only if it is unused (compare-and-set; `used`,
   * with nothing changed, when it was used before or is gone), supersedes the
   * family's access tokens (their stamp becomes {@link SUPERSEDED_STAMP}), and
   * stores the new access and refresh tokens. The new access token takes the
   * record's `amr`, not `access.amr`: the session keeps how it was proven
   * (as the record says then) across refreshes.
   */
  rotate(
    used: string,
    at: Date,
    access: AccessToken<ID>,
    refresh: RefreshToken<ID>,
  ): Promise<RotationResult>;
  /** The family's session record, or `null` when the session has ended. */
  getSession(family: string): Promise<SessionRecordRow<ID> | null>;
  /**
   * Ends a session: deletes its record first, then its access and refresh
   * tokens. Returns how many access tokens went.
   */
  deleteFamily(family: string): Promise<number>;
  /**
   * Ends every session with a refresh token of the user, except `keepFamily`:
   * records first, then their access and refresh tokens. Returns how many
   * sessions ended.
   */
  deleteByUser(userId: ID, options?: { keepFamily?: string }): Promise<number>;
  /** Moves a family's unused refresh tokens from stamp `from` to `to`. */
  restampFamily(family: string, from: number, to: number): Promise<void>;
  /**
   * The user's unused refresh tokens created at or after `notBefore`, newest
   * session first, each with its session record's `amr`.
   */
  listByUser(userId: ID, notBefore: Date | null): Promise<RefreshToken<ID>[]>;
  /** Deletes refresh tokens (used or not) created before `notBefore`; returns how many. */
  deleteExpired(
    notBefore: Date,
    options?: Omit<DeleteExpiredOptions, "idleSince">,
  ): Promise<number>;
}
