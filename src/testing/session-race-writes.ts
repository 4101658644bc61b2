import {
  InvalidResetPasswordToken,
  SessionLimitReached,
  StaleUser,
  UserInactive,
  UserNotExists,
} from "../core/errors.js";
import type { User } from "../core/models.js";
import type { OAuthAccountDatabase } from "../oauth/oauth-account.js";
import { signInWithProvider } from "../oauth/provider-sign-in.js";
import type { RefreshingStrategy, Strategy } from "../strategies/strategy.js";
import type { UserManager } from "../users/user-manager.js";

/**
 * The sessions of a race round: `A` (the oldest, the one the writes aim at),
 * `B` (the requester's own, which writes that keep "mine" keep), `C`, and `L`
 * for sessions that logins in the round start.
 */
export type SessionName = "A" | "B" | "C" | "L";

/** A session as its client holds it: every access and unused refresh token it was given. */
export interface HeldSession {
  name: SessionName;
  /** Its public id (`null` where the strategy lists no sessions). */
  id: string | null;
  /** Oldest first: the last is the one the client uses now. */
  access: string[];
  /** Refresh tokens handed out, oldest first. */
  refresh: string[];
  /** A refresh token already exchanged (presenting it again is reuse). */
  used: string | null;
}

/** One round: a user with sessions A, B and C, and what the kit needs to write. */
export interface RaceRound<U extends User<ID>, ID> {
  user: U;
  manager: UserManager<U, ID>;
  strategy: Strategy<U, ID>;
  /** Set when the strategy has refresh tokens. */
  refreshing: RefreshingStrategy<U> | null;
  /** Whether a login ends the oldest session (a cap of 3, with A, B and C live). */
  capped: boolean;
  sessions: HeldSession[];
  /** A password-reset token for the user, made before the round. */
  resetToken: string;
  /** The user's account at the kit's provider (`race`), when the fixture has an OAuth store. */
  providerAccount: { accounts: OAuthAccountDatabase<ID>; accountId: string; email: string } | null;
  session(name: SessionName): HeldSession;
}

/** The sessions a write's answer ended: named ones, or `all` (the user's every session, logins included). */
export type Ended = ReadonlyArray<SessionName | "all">;

/** The writes the kit races, each against every other and itself. */
export type RaceWriteName =
  | "login"
  | "refresh"
  | "reuse"
  | "logout"
  | "revokeOne"
  | "revokeOthers"
  | "logoutAll"
  | "credentialChange"
  | "deactivation"
  | "deletion"
  | "passwordReset"
  | "providerSignIn";

export interface RaceWrite {
  name: RaceWriteName;
  /** Why the kit cannot run it on a strategy, or `null` when it can. */
  unsupported(strategy: StrategyTraits): string | null;
  /**
   * Sessions a concurrent write may make it end beyond what its answer says
   * (a login's eviction reaches `B` when another login pushed `A` out first).
   */
  mayEnd: readonly SessionName[];
  /** Runs the write as the routes do, and says what its answer ended. */
  run<U extends User<ID>, ID>(round: RaceRound<U, ID>): Promise<Ended>;
}

/** The provider the kit's sign-ins come from. */
export const RACE_PROVIDER = "race";

/** A new password the default policy accepts. */
const NEW_PASSWORD = "a new race password, long enough";

/** Errors a write may meet because of the write racing it: it then answered that it ended nothing. */
function lostTheRace(error: unknown): boolean {
  return [
    StaleUser,
    UserNotExists,
    UserInactive,
    InvalidResetPasswordToken,
    SessionLimitReached,
  ].some((kind) => error instanceof kind);
}

async function unlessLost(write: () => Promise<Ended>): Promise<Ended> {
  try {
    return await write();
  } catch (error) {
    if (lostTheRace(error)) return [];
    throw error;
  }
}

/** The requester's user as the routes have it: authenticated by `B`'s current token, or `null`. */
async function asB<U extends User<ID>, ID>(round: RaceRound<U, ID>): Promise<U | null> {
  const token = round.session("B").access.at(-1) ?? null;
  return round.strategy.readToken(token, round.manager);
}

/** What a strategy can do, as far as the writes care. */
export interface StrategyTraits {
  /** It has rotating refresh tokens. */
  refreshing: boolean;
  /** It keeps sessions: it can end one and list them. */
  revocable: boolean;
  /** It can end all of a user's sessions at once. */
  revokesAll: boolean;
  /** The fixture has an OAuth account store (for provider sign-ins). */
  providerAccounts: boolean;
}

const needsRefresh = ({ refreshing }: StrategyTraits) =>
  refreshing ? null : "the strategy has no refresh tokens";
const needsRevocation = ({ revocable }: StrategyTraits) =>
  revocable ? null : "the strategy keeps no sessions to end one by one";

export const RACE_WRITES: readonly RaceWrite[] = [
  {
    name: "login",
    unsupported: () => null,
    mayEnd: ["B", "L"],
    run: (round) =>
      unlessLost(async () => {
        const info = { ip: "192.0.2.7", userAgent: "Race/1" };
        const held: HeldSession = { name: "L", id: null, access: [], refresh: [], used: null };
        if (round.refreshing) {
          const pair = await round.refreshing.writeTokens(round.user, info);
          held.id = pair.sessionId;
          held.access.push(pair.accessToken);
          held.refresh.push(pair.refreshToken);
        } else {
          held.access.push(await round.strategy.writeToken(round.user, info));
        }
        round.sessions.push(held);
        return round.capped ? ["A"] : [];
      }),
  },
  {
    name: "refresh",
    unsupported: needsRefresh,
    mayEnd: [],
    async run(round) {
      const a = round.session("A");
      const outcome = await round.refreshing?.refresh(a.refresh.at(-1) ?? "");
      if (outcome?.ok) {
        a.access.push(outcome.accessToken);
        a.refresh.push(outcome.refreshToken);
        return [];
      }
      return outcome?.reason === "reused" ? ["A"] : [];
    },
  },
  {
    name: "reuse",
    unsupported: needsRefresh,
    mayEnd: [],
    async run(round) {
      const outcome = await round.refreshing?.refresh(round.session("A").used ?? "");
      return outcome && !outcome.ok && outcome.reason === "reused" ? ["A"] : [];
    },
  },
  {
    name: "logout",
    unsupported: needsRevocation,
    mayEnd: [],
    async run(round) {
      const token = round.session("A").access.at(-1) ?? null;
      const user = await round.strategy.readToken(token, round.manager);
      if (user === null || token === null) return [];
      await round.strategy.destroyToken(token, user);
      return ["A"];
    },
  },
  {
    name: "revokeOne",
    unsupported: needsRevocation,
    mayEnd: [],
    async run(round) {
      const user = await asB(round);
      const id = round.session("A").id;
      if (user === null || id === null || !round.strategy.destroySession) return [];
      return (await round.strategy.destroySession(user, id)) ? ["A"] : [];
    },
  },
  {
    name: "revokeOthers",
    unsupported: needsRevocation,
    mayEnd: [],
    async run(round) {
      const user = await asB(round);
      const keep = round.session("B").access.at(-1);
      if (user === null || keep === undefined || !round.strategy.destroyAllTokens) return [];
      await round.strategy.destroyAllTokens(user, { keep });
      return ["A", "C"];
    },
  },
  {
    name: "logoutAll",
    unsupported: ({ revokesAll }) => (revokesAll ? null : "the strategy cannot end all sessions"),
    mayEnd: [],
    async run(round) {
      const user = await asB(round);
      if (user === null || !round.strategy.destroyAllTokens) return [];
      await round.strategy.destroyAllTokens(user);
      return ["A", "B", "C"];
    },
  },
  {
    name: "credentialChange",
    unsupported: () => null,
    mayEnd: [],
    run: (round) =>
      unlessLost(async () => {
        const user = await asB(round);
        const keep = round.session("B").access.at(-1);
        if (user === null || keep === undefined) return [];
        // As the route: a strategy that can keep B through a stamp of its choosing (a JWT's) names it.
        const securityStamp = (await round.strategy.nextSecurityStamp?.(user, keep)) ?? undefined;
        const changed = await round.manager.update(
          { password: NEW_PASSWORD } as Parameters<typeof round.manager.update>[0],
          user,
          { safe: true, securityStamp },
        );
        await round.strategy.destroyAllTokens?.(changed, {
          keep,
          previousStamp: user.securityStamp,
        });
        // Logins of the round read the user before the change: their tokens carry the old stamp.
        return ["A", "C", "L"];
      }),
  },
  {
    name: "deactivation",
    unsupported: () => null,
    mayEnd: [],
    run: (round) =>
      unlessLost(async () => {
        const changed = await round.manager.update(
          { isActive: false } as Parameters<typeof round.manager.update>[0],
          round.user,
        );
        await round.strategy.destroyAllTokens?.(changed);
        return ["all"];
      }),
  },
  {
    name: "deletion",
    unsupported: () => null,
    mayEnd: [],
    run: (round) =>
      unlessLost(async () => {
        await round.manager.delete(round.user);
        return ["all"];
      }),
  },
  {
    // A sign-in through an identity provider: the linked account found (and
    // its tokens refreshed), the user read afresh, refused when inactive, then
    // a session, as the callback route does.
    name: "providerSignIn",
    unsupported: ({ providerAccounts }) =>
      providerAccounts ? null : "the fixture has no OAuth account store",
    mayEnd: ["B", "L"],
    run: (round) =>
      unlessLost(async () => {
        const linked = round.providerAccount;
        if (linked === null) return [];
        const identity = {
          accountId: linked.accountId,
          email: linked.email,
          emailVerified: true,
          tokens: { accessToken: "race-provider-token", refreshToken: null, expiresAt: null },
        };
        const { user } = await signInWithProvider(
          round.manager,
          { accounts: linked.accounts, cipher: null },
          RACE_PROVIDER,
          identity,
          { associateByEmail: false, isVerifiedByDefault: false },
        );
        // Past a concurrent deletion the sign-in makes a new user (the person signs up anew):
        // a session of someone else, which the round's invariant is not about.
        if (!user.isActive || user.id !== round.user.id) return [];
        // It read the user afresh: past a concurrent credential change or reset, this is a
        // login after it, which that change never promised to end (unlike the kit's `login`,
        // which holds the user read before the round).
        if (user.securityStamp !== round.user.securityStamp) return [];
        const info = { ip: "192.0.2.8", userAgent: "Race/1", amr: [`oauth:${RACE_PROVIDER}`] };
        const held: HeldSession = { name: "L", id: null, access: [], refresh: [], used: null };
        if (round.refreshing) {
          const pair = await round.refreshing.writeTokens(user, info);
          held.id = pair.sessionId;
          held.access.push(pair.accessToken);
          held.refresh.push(pair.refreshToken);
        } else {
          held.access.push(await round.strategy.writeToken(user, info));
        }
        round.sessions.push(held);
        return round.capped ? ["A"] : [];
      }),
  },
  {
    name: "passwordReset",
    unsupported: () => null,
    mayEnd: [],
    run: (round) =>
      unlessLost(async () => {
        const user = await round.manager.resetPassword(round.resetToken, NEW_PASSWORD);
        await round.strategy.destroyAllTokens?.(user);
        return ["all"];
      }),
  },
];
