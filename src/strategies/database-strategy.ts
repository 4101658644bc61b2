import { type Clock, systemClock } from "../clock.js";
import type { AccessTokenDatabase } from "../db/access-token-database.js";
import type { AccessToken, User } from "../models.js";
import {
  isSessionId,
  type Session,
  type SessionInfo,
  sessionId,
  storedSessionInfo,
} from "../sessions.js";
import { generateToken, isWellFormedToken, storedToken, type TokenStorage } from "../tokens.js";
import type { UserManager } from "../user-manager.js";
import type { RevokeOptions, Strategy } from "./strategy.js";

export interface DatabaseStrategyOptions {
  /** Seconds a token lives after its creation; `null` for tokens that never expire. */
  lifetimeSeconds: number | null;
  /**
   * `hashed` stores SHA-256 of each token; `plain` stores the token itself and
   * exists only to share a table with a FastAPI Users deployment.
   * @default "hashed"
   */
  tokenStorage?: TokenStorage;
  /** @default () => new Date() */
  clock?: Clock;
  /**
   * Sessions a user may have at once: a login past it ends the user's oldest
   * sessions (expired ones first, as they are older). `null` for no limit.
   * @default null
   */
  maxSessionsPerUser?: number | null;
}

const NONE: Promise<null> = Promise.resolve(null);

/**
 * The database token strategy: an opaque random token per login, stored (hashed)
 * with its user id and creation time, looked up on every request, expired after
 * `lifetimeSeconds`, deleted on logout.
 *
 * @example
 * const strategy = new DatabaseStrategy(accessTokenDb, { lifetimeSeconds: 3600 });
 */
export class DatabaseStrategy<U extends User<ID>, ID = U["id"]> implements Strategy<U, ID> {
  readonly lifetimeSeconds: number | null;
  readonly #storage: TokenStorage;
  readonly #clock: Clock;
  readonly #maxSessions: number | null;

  constructor(
    readonly database: AccessTokenDatabase<U, ID>,
    options: DatabaseStrategyOptions,
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
    this.lifetimeSeconds = lifetimeSeconds;
    this.#storage = tokenStorage;
    this.#clock = clock;
  }

  readToken(token: string | null, _userManager?: UserManager<U, ID>): Promise<U | null> {
    if (token === null || !isWellFormedToken(token)) return NONE;
    return this.database.getUserByToken(storedToken(token, this.#storage), this.notBefore());
  }

  async writeToken(user: U, session?: SessionInfo): Promise<string> {
    const token = generateToken();
    await this.database.create({
      token: storedToken(token, this.#storage),
      userId: user.id,
      createdAt: this.#clock(),
      securityStamp: user.securityStamp,
      ...(session ? storedSessionInfo(session) : {}),
    });
    // After the insert: of logins racing each other, the newest win and the count holds.
    if (this.#maxSessions !== null) {
      await this.database.deleteAllButNewest(user.id, this.#maxSessions);
    }
    return token;
  }

  /** The user's live sessions (unexpired, issued under the user's current stamp), newest first. */
  async listSessions(user: U): Promise<Session[]> {
    const tokens = await this.#liveTokens(user);
    return tokens.map((row) => ({
      id: sessionId(row.token),
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt ?? null,
      expiresAt: this.#expiresAt(row),
      ip: row.ip ?? null,
      userAgent: row.userAgent ?? null,
      label: row.label ?? null,
    }));
  }

  sessionIdOf(token: string): string | null {
    return isWellFormedToken(token) ? sessionId(storedToken(token, this.#storage)) : null;
  }

  async destroySession(user: U, id: string): Promise<boolean> {
    if (!isSessionId(id)) return false;
    const row = (await this.#liveTokens(user)).find((t) => sessionId(t.token) === id);
    if (!row) return false;
    await this.database.delete(row.token);
    return true;
  }

  async #liveTokens(user: U): Promise<AccessToken<ID>[]> {
    const tokens = await this.database.listByUser(user.id, this.notBefore());
    return tokens.filter((row) => row.securityStamp === user.securityStamp);
  }

  #expiresAt(row: AccessToken<ID>): Date | null {
    if (this.lifetimeSeconds === null) return null;
    return new Date(row.createdAt.getTime() + this.lifetimeSeconds * 1000);
  }

  async destroyToken(token: string, _user: U): Promise<void> {
    if (!isWellFormedToken(token)) return;
    await this.database.delete(storedToken(token, this.#storage));
  }

  /**
   * Revokes every token of the user except `keep` (a token as the client
   * holds it). With `previousStamp`, the user's stamp was just raised from it
   * and `keep` is carried over to the new stamp (only if it was issued under
   * `previousStamp`), so the session that made the change stays.
   */
  async destroyAllTokens(user: U, options: RevokeOptions = {}): Promise<number> {
    const { keep, previousStamp } = options;
    if (keep === undefined) return this.database.deleteByUser(user.id);
    const stored = storedToken(keep, this.#storage);
    if (previousStamp !== undefined && previousStamp !== user.securityStamp) {
      await this.database.restamp(stored, previousStamp, user.securityStamp);
    }
    return this.database.deleteByUser(user.id, { keep: stored });
  }

  /**
   * Deletes expired rows, 1,000 per statement unless told otherwise; returns
   * how many. Does nothing for tokens that never expire.
   */
  async purgeExpired(options: { batchSize?: number } = {}): Promise<number> {
    const notBefore = this.notBefore();
    if (notBefore === null) return 0;
    return this.database.deleteExpired(notBefore, { batchSize: options.batchSize ?? 1000 });
  }

  /** The oldest creation time a valid token can have now, or `null` without expiry. */
  notBefore(): Date | null {
    if (this.lifetimeSeconds === null) return null;
    return new Date(this.#clock().getTime() - this.lifetimeSeconds * 1000);
  }
}
