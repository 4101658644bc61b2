import type { User } from "../core/models.js";
import type { RefreshOutcome, TokenPair } from "../sessions/refresh-tokens.js";
import type { Session, SessionInfo } from "../sessions/session.js";
import type { UserManager } from "../users/user-manager.js";

/**
 * What a token *is*: how one is issued for a user, resolved back to its user,
 * and revoked. How it travels is the {@link Transport}'s business.
 */
export interface Strategy<U extends User<ID>, ID = U["id"]> {
  /** The user this token belongs to, or `null` for a missing, unknown, expired or revoked token. */
  readToken(token: string | null, userManager: UserManager<U, ID>): Promise<U | null>;
  /**
   * {@link readToken}'s answer at once, when it needs no waiting (an embedded
   * database); `undefined` when the caller must await {@link readToken}.
   * Optional: it spares the authenticated path its promises, nothing else.
   */
  readTokenNow?(token: string | null): U | null | undefined;
  /**
   * Issues a new token for the user and returns it as the client will hold
   * it; `session` is recorded with it where the strategy keeps sessions.
   */
  writeToken(user: U, session?: SessionInfo): Promise<string>;
  /** Revokes the token. */
  destroyToken(token: string, user: U): Promise<void>;
  /**
   * Revokes every token of the user except `keep`. Optional: a strategy
   * without it (a stateless one) keeps no tokens to delete, and
   * {@link Tessera.revokeAllTokens} revokes its tokens by raising the user's
   * security stamp instead.
   */
  destroyAllTokens?(user: U, options?: RevokeOptions): Promise<unknown>;
  /**
   * The user's live sessions, newest first. Optional, with
   * {@link sessionIdOf} and {@link destroySession}: a strategy that keeps no
   * sessions (a stateless one) cannot list them.
   */
  listSessions?(user: U): Promise<Session[]>;
  /** The public id of the session a token (as the client holds it) belongs to. */
  sessionIdOf?(token: string): string | null | Promise<string | null>;
  /** When the session of a token (as the client holds it) logged in, or `null` if unknown. */
  sessionStartedAt?(token: string): Promise<Date | null>;
  /** Ends one of the user's sessions by its public id; `false` if the user has none by that id. */
  destroySession?(user: U, sessionId: string): Promise<boolean>;
  /**
   * The security stamp to raise the user's to so that `keep` (a token as
   * the client holds it, that reads as `user` now) alone survives the raise:
   * every other token of the user issued so far ends. Optional: for a
   * strategy that cannot carry a token over by writing it (a stateless one);
   * `null` when `keep` is not one of its tokens for `user` now. Without it
   * the stamp goes up by one and `destroyAllTokens` carries `keep` over.
   */
  nextSecurityStamp?(user: U, keep: string): Promise<number | null>;
}

/**
 * Whether a strategy keeps sessions it can list and end one by one, all at
 * once or all but one: what the sessions routes need of every backend.
 */
export function keepsSessions<U extends User<ID>, ID>(strategy: Strategy<U, ID>): boolean {
  return (
    strategy.listSessions !== undefined &&
    strategy.destroySession !== undefined &&
    strategy.destroyAllTokens !== undefined
  );
}

/** Which session survives a revocation of all the user's sessions. */
export interface RevokeOptions {
  /** A token as the client holds it, left alive. */
  keep?: string;
  /**
   * The user's security stamp before the change that triggers the revocation;
   * `keep` is moved from it to the user's current stamp so it keeps working.
   */
  previousStamp?: number;
}

/** What refreshing needs of a strategy: a `DatabaseStrategy` made with `refreshTokens`. */
export interface RefreshingStrategy<U> {
  writeTokens(user: U, session?: SessionInfo): Promise<TokenPair>;
  refresh(token: string, source?: SessionInfo): Promise<RefreshOutcome<U>>;
  readonly lifetimeSeconds: number | null;
}

/** The strategy as one that rotates refresh tokens, or `null` when it has none. */
export function refreshingStrategy<U extends User<ID>, ID>(
  strategy: Strategy<U, ID>,
): RefreshingStrategy<U> | null {
  const candidate = strategy as Partial<RefreshingStrategy<U>> & { refreshTokens?: unknown };
  const has =
    typeof candidate.writeTokens === "function" &&
    typeof candidate.refresh === "function" &&
    candidate.refreshTokens != null;
  return has ? (candidate as RefreshingStrategy<U>) : null;
}
