import type { AccessToken, User } from "../core/models.js";

/** A valid token's user, and whether its session's last recorded use is stale. */
export interface TokenSession<U> {
  user: U;
  /** The session was last used (or, never used, created) before `bounds.staleBefore`. */
  stale: boolean;
}

/**
 * A valid token's session as a cache keeps it: the user and what its expiry
 * is computed from, so every use is checked against the clock.
 */
export interface SessionRecord<U> {
  user: U;
  createdAt: Date;
  /** `null`: never recorded. */
  lastUsedAt: Date | null;
  /** The refresh-token family it belongs to, if any. */
  family: string | null;
}

/** The bounds a token must meet to be valid. */
export interface TokenBounds {
  /** Created at or after it; `null` for no absolute expiry. */
  notBefore: Date | null;
  /**
   * Last used (or, never used, created) at or after it; `null` for no idle
   * timeout.
   */
  idleSince: Date | null;
}

/** {@link TokenBounds}, and the time before which a session's last use is stale. */
export interface SessionBounds extends TokenBounds {
  staleBefore: Date;
}

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
   * {@link getUserByToken} with the idle bound applied and whether the
   * session's last use is stale, both in the query: still **one** indexed
   * query. The path of every authenticated request when the strategy records
   * when sessions are used.
   */
  getSessionByToken(token: string, bounds: SessionBounds): Promise<TokenSession<U> | null>;
  /**
   * {@link getUserByToken}'s answer at once, when the store has it without
   * waiting (an embedded database whose connection is free, a cache hit);
   * `undefined` when it would have to wait: the caller then awaits
   * {@link getUserByToken}. Optional: a store without it is always awaited.
   * Saves the promise hops of the authenticated path, not a query.
   */
  getUserByTokenNow?(token: string, notBefore: Date | null): U | null | undefined;
  /** {@link getSessionByToken}'s answer at once, as {@link getUserByTokenNow}. */
  getSessionByTokenNow?(token: string, bounds: SessionBounds): TokenSession<U> | null | undefined;
  /**
   * The session of a token issued under its user's current `securityStamp`,
   * whatever its age (the caller applies the bounds): **one** indexed query,
   * as {@link getUserByToken}. What a {@link SessionCache} fills its entries
   * from; optional for stores that are never cached.
   */
  getSessionRecord?(token: string): Promise<SessionRecord<U> | null>;
  /**
   * Records that the session was used at `at`, only if its last recorded use
   * is before `staleBefore` (or missing): a compare-and-set, so concurrent
   * requests write it once. Returns whether it wrote.
   */
  touch(token: string, at: Date, staleBefore: Date): Promise<boolean>;
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
   * Deletes every token created before `notBefore` and, with `idleSince`,
   * every token last used (or, never used, created) before it; returns how
   * many went. With `batchSize`, in statements of at most that many rows, so a
   * large purge never holds the table's locks for long.
   */
  deleteExpired(notBefore: Date, options?: DeleteExpiredOptions): Promise<number>;
  /** The user's tokens, newest first (expired ones included when `notBefore` is `null`). */
  listByUser(userId: ID, notBefore: Date | null): Promise<AccessToken<ID>[]>;
}

/** How {@link AccessTokenDatabase.deleteExpired} runs. */
export interface DeleteExpiredOptions {
  /** Rows per statement. @default all in one statement */
  batchSize?: number;
  /** The idle bound: tokens last used before it go too. */
  idleSince?: Date | null;
  /**
   * With `batchSize`, the share of the time spent deleting (above 0, at most
   * 1): after each batch the purge sleeps so that it deletes no more than
   * this share of the time, leaving the machine to requests.
   * @default 1 (no pause but a turn of the event loop)
   */
  dutyCycle?: number;
}
