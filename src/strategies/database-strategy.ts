import { type Clock, systemClock } from "../core/clock.js";
import { SessionLimitReached } from "../core/errors.js";
import type { TesseraEvents } from "../core/events.js";
import type { AccessToken, User } from "../core/models.js";
import type {
  AccessTokenDatabase,
  SessionBounds,
  TokenSession,
} from "../sessions/access-token-database.js";
import {
  type RefreshOutcome,
  type RefreshTokenOptions,
  RefreshTokens,
  type TokenPair,
} from "../sessions/refresh-tokens.js";
import {
  isSessionId,
  type Session,
  type SessionInfo,
  type StoredSessionInfo,
  sessionId,
  storedSessionInfo,
} from "../sessions/session.js";
import { TokenFormat } from "../sessions/token-format.js";
import {
  generateToken,
  hashToken,
  isWellFormedToken,
  storedToken,
  type TokenStorage,
} from "../sessions/tokens.js";
import type { UserManager } from "../users/user-manager.js";
import type { RevokeOptions, Strategy } from "./strategy.js";

export interface DatabaseStrategyOptions<ID = unknown, U extends User<ID> = User<ID>> {
  /** Seconds a token lives after its creation; `null` for tokens that never expire. */
  lifetimeSeconds: number | null;
  /**
   * `hashed` stores SHA-256 of each token; `plain` stores the token itself and
   * exists only to share a table with a FastAPI Users deployment.
   * @default "hashed"
   */
  tokenStorage?: TokenStorage;
  /**
   * New tokens start with this prefix and end with a checksum (see
   * {@link TokenFormat}), so secret scanners find leaked ones and a mistyped
   * one is refused without a query; tokens issued before keep working. `null`
   * issues FastAPI Users' 43-character tokens, as `plain` storage must (they
   * are stored in its `varchar(43)` column).
   * @default "tess_", or `null` with `plain` storage
   */
  tokenPrefix?: string | null;
  /** @default () => new Date() */
  clock?: Clock;
  /**
   * Sessions a user may have at once: a login past it ends the user's oldest
   * sessions (expired ones first, as they are older). `null` for no limit.
   * @default null
   */
  maxSessionsPerUser?: number | null;
  /**
   * What a login past `maxSessionsPerUser` does: `evict-oldest` ends the
   * user's oldest sessions; `refuse` refuses the login (it throws
   * {@link SessionLimitReached}; the login route answers 400
   * `LOGIN_TOO_MANY_SESSIONS`) until the user ends one. Under concurrent
   * logins past the cap, `refuse` may refuse more than it must, never fewer.
   * @default "evict-oldest"
   */
  sessionCapPolicy?: "evict-oldest" | "refuse";
  /**
   * Seconds a session lives without being used (a sliding timeout);
   * `lifetimeSeconds` stays the absolute cap. `null` for no idle timeout.
   * @default null
   */
  idleTimeoutSeconds?: number | null;
  /**
   * How often a session's `last_used_at` is written: at most once per this
   * many seconds, so the authenticated path is one query on all other
   * requests. An idle timeout is exact to within it. `null` records no use
   * (only without an idle timeout).
   * @default 60, or a quarter of the idle timeout when that is shorter
   */
  lastUsedIntervalSeconds?: number | null;
  /**
   * Where this strategy's own events go: `session.revoked` for the cap's
   * evictions and for purges (give it the {@link Tessera}'s `events`).
   */
  events?: TesseraEvents<ID>;
  /**
   * Rotating refresh tokens (for the bearer transport; `authRoutes(…, {
   * refreshTokens: true })` serves `POST /refresh`). A login then also
   * returns a refresh token; exchanging it returns a new pair and uses it up;
   * presenting a used one revokes its whole session (`refresh.reused`).
   * `lifetimeSeconds` is then the access tokens' (short) lifetime.
   * @default off
   */
  refreshTokens?: RefreshTokenOptions<U, ID>;
}

const NONE: Promise<null> = Promise.resolve(null);

/** How {@link DatabaseStrategy.purgeExpired} deletes. */
export interface PurgeOptions {
  /** Rows per statement. @default 1000 */
  batchSize?: number;
  /** The share of the time spent deleting (see `DeleteExpiredOptions`). @default 1 */
  dutyCycle?: number;
}

/** For writes whose failure the request does not wait on. */
function ignore(): void {}

/**
 * The database token strategy: an opaque random token per login, stored (hashed)
 * with its user id and creation time, looked up on every request, expired after
 * `lifetimeSeconds`, deleted on logout.
 *
 * @example
 * const strategy = new DatabaseStrategy(accessTokenDb, { lifetimeSeconds: 3600 });
 */
export class DatabaseStrategy<U extends User<ID>, ID = U["id"]> implements Strategy<U, ID> {
  readonly #events: TesseraEvents<ID> | undefined;
  /** `null` without refresh tokens. */
  readonly refreshTokens: RefreshTokens<U, ID> | null;
  readonly lifetimeSeconds: number | null;
  readonly #storage: TokenStorage;
  readonly #clock: Clock;
  readonly #format: TokenFormat | null;
  readonly #maxSessions: number | null;
  readonly #refuseAtCap: boolean;
  readonly idleTimeoutSeconds: number | null;
  /** Milliseconds between two writes of a session's `last_used_at`, or `null` for none. */
  readonly #touchEveryMs: number | null;

  constructor(
    readonly database: AccessTokenDatabase<U, ID>,
    options: DatabaseStrategyOptions<ID, U>,
  ) {
    const { lifetimeSeconds, tokenStorage = "hashed", clock = systemClock } = options;
    if (lifetimeSeconds !== null && !(lifetimeSeconds > 0)) {
      throw new RangeError("lifetimeSeconds must be a positive number or null");
    }
    const maxSessions = options.maxSessionsPerUser ?? null;
    if (maxSessions !== null && !(Number.isInteger(maxSessions) && maxSessions >= 1)) {
      throw new RangeError("maxSessionsPerUser must be a positive integer or null");
    }
    this.#maxSessions = maxSessions;
    const policy = options.sessionCapPolicy ?? "evict-oldest";
    if (policy !== "evict-oldest" && policy !== "refuse") {
      throw new RangeError(`sessionCapPolicy must be "evict-oldest" or "refuse", not "${policy}"`);
    }
    this.#refuseAtCap = policy === "refuse";
    this.#events = options.events;
    this.refreshTokens = options.refreshTokens
      ? new RefreshTokens<U, ID>(options.refreshTokens)
      : null;
    const prefix =
      options.tokenPrefix === undefined
        ? tokenStorage === "plain"
          ? null
          : "tess_"
        : options.tokenPrefix;
    if (prefix !== null && tokenStorage === "plain") {
      throw new RangeError(
        "plain token storage takes no tokenPrefix: the token must fit varchar(43)",
      );
    }
    this.#format = prefix === null ? null : new TokenFormat(prefix);
    const idle = options.idleTimeoutSeconds ?? null;
    if (idle !== null && !(idle > 0)) {
      throw new RangeError("idleTimeoutSeconds must be a positive number or null");
    }
    const interval =
      options.lastUsedIntervalSeconds === undefined
        ? Math.min(60, (idle ?? Number.POSITIVE_INFINITY) / 4)
        : options.lastUsedIntervalSeconds;
    if (interval === null && idle !== null) {
      throw new RangeError("an idle timeout needs lastUsedIntervalSeconds: it cannot be null");
    }
    if (interval !== null && !(interval > 0 && (idle === null || interval < idle))) {
      throw new RangeError(
        "lastUsedIntervalSeconds must be a positive number below idleTimeoutSeconds, or null",
      );
    }
    this.idleTimeoutSeconds = idle;
    this.#touchEveryMs = interval === null ? null : interval * 1000;
    this.lifetimeSeconds = lifetimeSeconds;
    this.#storage = tokenStorage;
    this.#clock = clock;
  }

  readToken(token: string | null, _userManager?: UserManager<U, ID>): Promise<U | null> {
    if (token === null || !this.#isWellFormed(token)) return NONE;
    const stored = storedToken(token, this.#storage);
    const touchEveryMs = this.#touchEveryMs;
    if (touchEveryMs === null) return this.database.getUserByToken(stored, this.notBefore());
    const now = this.#clock();
    const bounds = this.#sessionBounds(now, touchEveryMs);
    return this.database
      .getSessionByToken(stored, bounds)
      .then((found) => found && this.#used(stored, found, now, bounds.staleBefore));
  }

  /**
   * {@link readToken}'s answer at once, when the store gives it without
   * waiting (SQLite, its connection free); `undefined` when the caller must
   * await {@link readToken} instead (a store that always waits, or a subclass
   * that overrides `readToken`). A use due to be recorded is written without
   * waiting for it. It throws what {@link readToken} would reject with.
   */
  readTokenNow(token: string | null): U | null | undefined {
    if (token === null) return null;
    const { database } = this;
    const touchEveryMs = this.#touchEveryMs;
    const lookup =
      touchEveryMs === null ? database.getUserByTokenNow : database.getSessionByTokenNow;
    if (lookup === undefined || this.readToken !== DatabaseStrategy.prototype.readToken) {
      return undefined;
    }
    if (!this.#isWellFormed(token)) return null;
    const stored = storedToken(token, this.#storage);
    if (touchEveryMs === null) return database.getUserByTokenNow?.(stored, this.notBefore());
    const now = this.#clock();
    const bounds = this.#sessionBounds(now, touchEveryMs);
    const found = database.getSessionByTokenNow?.(stored, bounds);
    if (!found) return found;
    // A failed write only lets an idle session end up to one interval early, as in readToken.
    if (found.stale) database.touch(stored, now, bounds.staleBefore).catch(ignore);
    return found.user;
  }

  #sessionBounds(now: Date, touchEveryMs: number): SessionBounds {
    return {
      notBefore: this.#notBefore(now),
      idleSince: this.#idleSince(now),
      staleBefore: new Date(now.getTime() - touchEveryMs),
    };
  }

  /** The session's user, once its use is recorded if the last record is more than an interval old. */
  #used(stored: string, found: TokenSession<U>, now: Date, staleBefore: Date): U | Promise<U> {
    if (!found.stale) return found.user;
    // A failed write only lets an idle session end up to one interval early: the request goes on.
    return this.database.touch(stored, now, staleBefore).then(
      () => found.user,
      () => found.user,
    );
  }

  #isWellFormed(token: string): boolean {
    return this.#format ? this.#format.isWellFormed(token) : isWellFormedToken(token);
  }

  async writeToken(user: U, session?: SessionInfo): Promise<string> {
    const token = this.#newToken();
    const now = this.#clock();
    await this.database.create(this.#accessRow(user, token, now, null, storedSessionInfo(session)));
    if (this.#refuseAtCap) {
      await this.#refusePastCap(user, { family: null, token: storedToken(token, this.#storage) });
    } else if (this.#maxSessions !== null && this.refreshTokens === null) {
      // After the insert: of logins racing each other, the newest win and the count holds.
      const evicted = await this.database.deleteAllButNewest(user.id, this.#maxSessions);
      if (evicted > 0) this.#revoked(user.id, evicted, "cap", session);
    } else if (this.#maxSessions !== null) {
      await this.#evictPastCap(user, session);
    }
    return token;
  }

  /**
   * Starts a session with a refresh token (the strategy needs
   * `refreshTokens`): its first access token and refresh token, stored
   * together.
   */
  async writeTokens(user: U, session?: SessionInfo): Promise<TokenPair> {
    const refresh = this.#requireRefresh();
    const now = this.#clock();
    const family = refresh.newFamily();
    const info = storedSessionInfo(session);
    const accessToken = this.#newToken();
    const refreshToken = refresh.format.generate();
    await refresh.database.create(this.#accessRow(user, accessToken, now, family, info), {
      token: hashToken(refreshToken),
      family,
      userId: user.id,
      securityStamp: user.securityStamp,
      createdAt: now,
      usedAt: null,
      sessionCreatedAt: now,
      ...info,
    });
    if (this.#refuseAtCap) await this.#refusePastCap(user, { family, token: "" });
    else if (this.#maxSessions !== null) await this.#evictPastCap(user, session);
    return { accessToken, refreshToken, sessionId: family };
  }

  /**
   * Exchanges a refresh token for a new pair, once. A refresh token used
   * before (even by a request racing this one) revokes its whole session: a
   * copy of it is in other hands. `source` is who asks, for the events.
   */
  async refresh(token: string, source: SessionInfo = {}): Promise<RefreshOutcome<U>> {
    const refresh = this.#requireRefresh();
    if (!refresh.format.isValid(token)) return { ok: false, reason: "invalid" };
    const now = this.#clock();
    const stored = hashToken(token);
    const found = await refresh.database.find(stored, refresh.notBefore(now));
    if (found === null) return { ok: false, reason: "invalid" };
    const { refresh: used, user } = found;
    if (used.usedAt !== null) return this.#reused(refresh, used.family, used.userId, source);
    if (user === null || !user.isActive) return { ok: false, reason: "invalid" };
    const accessToken = this.#newToken();
    const refreshToken = refresh.format.generate();
    // The store gives the new access token the session record's amr (see rotate).
    const info = { ip: used.ip, userAgent: used.userAgent, label: used.label, amr: used.amr };
    const rotated = await refresh.database.rotate(
      stored,
      now,
      this.#accessRow(user, accessToken, now, used.family, info),
      { ...used, token: hashToken(refreshToken), createdAt: now, usedAt: null },
    );
    if (rotated === "used") return this.#reused(refresh, used.family, used.userId, source);
    if (rotated === "ended") return { ok: false, reason: "invalid" };
    this.#events?.emit("session.refreshed", {
      ip: source.ip ?? null,
      userAgent: source.userAgent ?? null,
      at: now,
      userId: user.id,
      sessionId: used.family,
    });
    return { ok: true, user, accessToken, refreshToken, sessionId: used.family };
  }

  async #reused(
    refresh: RefreshTokens<U, ID>,
    family: string,
    userId: ID,
    source: SessionInfo,
  ): Promise<RefreshOutcome<U>> {
    await refresh.database.deleteFamily(family);
    this.#events?.emit("refresh.reused", {
      ip: source.ip ?? null,
      userAgent: source.userAgent ?? null,
      at: this.#clock(),
      userId,
      sessionId: family,
    });
    this.#revoked(userId, 1, "refresh_reuse", source, family);
    return { ok: false, reason: "reused" };
  }

  /**
   * Ends the user's oldest live sessions past the cap, whatever their kind
   * (one access token, or a family with its refresh token): newest by start,
   * then by id, an order racing logins agree on, so the newest win.
   */
  async #evictPastCap(user: U, session?: SessionInfo): Promise<void> {
    const live = await this.#sessions(user);
    const past = live
      .sort(
        (a, b) =>
          b.session.createdAt.getTime() - a.session.createdAt.getTime() ||
          (a.session.id < b.session.id ? 1 : a.session.id > b.session.id ? -1 : 0),
      )
      .slice(this.#maxSessions ?? live.length);
    for (const found of past) await this.#end(found);
    if (past.length > 0) this.#revoked(user.id, past.length, "cap", session);
  }

  /** Ends one listed session: its family (record first), or its one token. */
  async #end(found: { family: string | null; token: string }): Promise<void> {
    if (found.family !== null && this.refreshTokens !== null) {
      await this.refreshTokens.database.deleteFamily(found.family);
    } else {
      await this.database.delete(found.token);
    }
  }

  /**
   * With the `refuse` policy, after the new session's insert: more live
   * sessions than the cap, and the new one is deleted again and the login
   * refused. Counting after the insert is what keeps the cap under racing
   * logins (each sees the others' rows).
   */
  async #refusePastCap(user: U, mine: { family: string | null; token: string }): Promise<void> {
    if (this.#maxSessions === null) return;
    const live = await this.#sessions(user);
    if (live.length <= this.#maxSessions) return;
    await this.#end(mine);
    throw new SessionLimitReached();
  }

  #requireRefresh(): RefreshTokens<U, ID> {
    if (this.refreshTokens === null) {
      throw new TypeError("this DatabaseStrategy has no refreshTokens option");
    }
    return this.refreshTokens;
  }

  #newToken(): string {
    return this.#format ? this.#format.generate() : generateToken();
  }

  #accessRow(
    user: U,
    token: string,
    now: Date,
    family: string | null,
    info: StoredSessionInfo,
  ): AccessToken<ID> {
    return {
      token: storedToken(token, this.#storage),
      userId: user.id,
      createdAt: now,
      lastUsedAt: this.#touchEveryMs === null ? null : now,
      securityStamp: user.securityStamp,
      family,
      ...info,
    };
  }

  /** The user's live sessions (unexpired, issued under the user's current stamp), newest first. */
  async listSessions(user: U): Promise<Session[]> {
    return (await this.#sessions(user)).map(({ session }) => session);
  }

  /** Each live session with how to end it: its family, or its one token. */
  async #sessions(user: U): Promise<{ session: Session; family: string | null; token: string }[]> {
    const tokens = await this.#liveTokens(user);
    const listed: { session: Session; family: string | null; token: string }[] = tokens
      .filter((row) => !row.family)
      .map((row) => ({
        family: null,
        token: row.token,
        session: {
          id: sessionId(row.token),
          createdAt: row.createdAt,
          lastUsedAt: row.lastUsedAt ?? null,
          expiresAt: this.#expiresAt(row),
          ip: row.ip ?? null,
          userAgent: row.userAgent ?? null,
          label: row.label ?? null,
          amr: row.amr ?? [],
        },
      }));
    const refresh = this.refreshTokens;
    if (refresh === null) return listed;
    // A session with a refresh token lives while its unused refresh token does.
    const lastUse = new Map<string, number>();
    for (const row of tokens) {
      if (row.family) lastUse.set(row.family, (row.lastUsedAt ?? row.createdAt).getTime());
    }
    const rows = await refresh.database.listByUser(user.id, refresh.notBefore(this.#clock()));
    // One per family: its newest unused token (a store without transactions may show two
    // while a rotation runs).
    const families = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const seen = families.get(row.family);
      if (!seen || seen.createdAt < row.createdAt) families.set(row.family, row);
    }
    for (const row of families.values()) {
      if (row.securityStamp !== user.securityStamp) continue;
      const used = Math.max(row.createdAt.getTime(), lastUse.get(row.family) ?? 0);
      listed.push({
        family: row.family,
        token: row.token,
        session: {
          id: row.family,
          createdAt: row.sessionCreatedAt,
          lastUsedAt: new Date(used),
          expiresAt: new Date(row.createdAt.getTime() + refresh.lifetimeSeconds * 1000),
          ip: row.ip,
          userAgent: row.userAgent,
          label: row.label,
          amr: row.amr,
        },
      });
    }
    return listed.sort((a, b) => b.session.createdAt.getTime() - a.session.createdAt.getTime());
  }

  /**
   * The public id of the session a token belongs to: derived from the token,
   * or, for a session with a refresh token, its family (one read).
   */
  sessionIdOf(token: string): string | null | Promise<string | null> {
    if (!this.#isWellFormed(token)) return null;
    const stored = storedToken(token, this.#storage);
    if (this.refreshTokens === null) return sessionId(stored);
    return this.database.getByToken(stored, null).then((row) => row?.family ?? sessionId(stored));
  }

  /**
   * When the token's session logged in: a refresh does not count, so a
   * refreshed session ages. For a session with a refresh token, its record's
   * start, never the token's row (which a refresh wrote); no record, no start.
   */
  async sessionStartedAt(token: string): Promise<Date | null> {
    if (!this.#isWellFormed(token)) return null;
    const row = await this.database.getByToken(storedToken(token, this.#storage), null);
    if (!row) return null;
    if (!row.family) return row.createdAt;
    if (this.refreshTokens === null) return null;
    return (await this.refreshTokens.database.getSession(row.family))?.createdAt ?? null;
  }

  async destroySession(user: U, id: string): Promise<boolean> {
    if (!isSessionId(id)) return false;
    const found = (await this.#sessions(user)).find(({ session }) => session.id === id);
    if (!found) return false;
    await this.#end(found);
    return true;
  }

  async #liveTokens(user: U): Promise<AccessToken<ID>[]> {
    const now = this.#clock();
    const tokens = await this.database.listByUser(user.id, this.#notBefore(now));
    const idleSince = this.#idleSince(now)?.getTime() ?? Number.NEGATIVE_INFINITY;
    return tokens.filter(
      (row) =>
        row.securityStamp === user.securityStamp &&
        (row.lastUsedAt ?? row.createdAt).getTime() >= idleSince,
    );
  }

  /** When the session ends if nobody uses it: the sooner of its absolute and idle ends. */
  #expiresAt(row: AccessToken<ID>): Date | null {
    const ends: number[] = [];
    if (this.lifetimeSeconds !== null) {
      ends.push(row.createdAt.getTime() + this.lifetimeSeconds * 1000);
    }
    if (this.idleTimeoutSeconds !== null) {
      ends.push((row.lastUsedAt ?? row.createdAt).getTime() + this.idleTimeoutSeconds * 1000);
    }
    return ends.length > 0 ? new Date(Math.min(...ends)) : null;
  }

  /** Revokes the token; with refresh tokens, its whole session (the family). */
  async destroyToken(token: string, _user: U): Promise<void> {
    if (!this.#isWellFormed(token)) return;
    const stored = storedToken(token, this.#storage);
    const family = this.refreshTokens && (await this.database.getByToken(stored, null))?.family;
    if (family && this.refreshTokens) await this.refreshTokens.database.deleteFamily(family);
    else await this.database.delete(stored);
  }

  /**
   * Revokes every token of the user except `keep` (a token as the client
   * holds it) and its session's refresh token. With `previousStamp`, the
   * user's stamp was just raised from it and `keep` is carried over to the
   * new stamp (only if it was issued under `previousStamp`), so the session
   * that made the change stays.
   */
  async destroyAllTokens(user: U, options: RevokeOptions = {}): Promise<number> {
    const { keep, previousStamp } = options;
    const stored = keep === undefined ? undefined : storedToken(keep, this.#storage);
    const refresh = this.refreshTokens;
    if (refresh !== null) {
      const family =
        stored === undefined ? null : (await this.database.getByToken(stored, null))?.family;
      if (family && previousStamp !== undefined && previousStamp !== user.securityStamp) {
        await refresh.database.restampFamily(family, previousStamp, user.securityStamp);
      }
      await refresh.database.deleteByUser(user.id, { keepFamily: family ?? undefined });
    }
    if (stored === undefined) return this.database.deleteByUser(user.id);
    if (previousStamp !== undefined && previousStamp !== user.securityStamp) {
      await this.database.restamp(stored, previousStamp, user.securityStamp);
    }
    return this.database.deleteByUser(user.id, { keep: stored });
  }

  /**
   * Deletes expired and idle-expired rows, 1,000 per statement unless told
   * otherwise; returns how many. Does nothing for tokens that never expire.
   */
  async purgeExpired(options: PurgeOptions = {}): Promise<number> {
    const now = this.#clock();
    const notBefore = this.#notBefore(now);
    const idleSince = this.#idleSince(now);
    const batchSize = options.batchSize ?? 1000;
    const { dutyCycle } = options;
    if (this.refreshTokens !== null) {
      await this.refreshTokens.database.deleteExpired(this.refreshTokens.notBefore(now), {
        batchSize,
        dutyCycle,
      });
    }
    if (notBefore === null && idleSince === null) return 0;
    // Without a lifetime, nothing is created before the epoch: only the idle bound deletes.
    const count = await this.database.deleteExpired(notBefore ?? new Date(0), {
      batchSize,
      dutyCycle,
      idleSince,
    });
    if (count > 0) this.#revoked(null, count, "expiry");
    return count;
  }

  #revoked(
    userId: ID | null,
    count: number,
    reason: "cap" | "expiry" | "refresh_reuse",
    source?: SessionInfo,
    sessionId: string | null = null,
  ): void {
    this.#events?.emit("session.revoked", {
      ip: source?.ip ?? null,
      userAgent: source?.userAgent ?? null,
      at: this.#clock(),
      userId,
      sessionId,
      count,
      reason,
    });
  }

  /** The oldest creation time a valid token can have now, or `null` without expiry. */
  notBefore(): Date | null {
    return this.#notBefore(this.#clock());
  }

  #notBefore(now: Date): Date | null {
    if (this.lifetimeSeconds === null) return null;
    return new Date(now.getTime() - this.lifetimeSeconds * 1000);
  }

  #idleSince(now: Date): Date | null {
    if (this.idleTimeoutSeconds === null) return null;
    return new Date(now.getTime() - this.idleTimeoutSeconds * 1000);
  }
}
