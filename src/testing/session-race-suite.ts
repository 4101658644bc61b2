import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "vitest";
import type { Clock } from "../core/clock.js";
import type { User } from "../core/models.js";
import type { OAuthAccountDatabase } from "../oauth/oauth-account.js";
import {
  type RefreshingStrategy,
  refreshingStrategy,
  type Strategy,
} from "../strategies/strategy.js";
import type { UserDatabase } from "../users/user-database.js";
import { UserManager } from "../users/user-manager.js";
import { checkInvariant } from "./session-race-check.js";
import {
  type HeldSession,
  RACE_PROVIDER,
  RACE_WRITES,
  type RaceRound,
  type RaceWrite,
  type RaceWriteName,
  type SessionName,
  type StrategyTraits,
} from "./session-race-writes.js";
import { userData } from "./user-database-suite.js";

/** What the race kit runs on: a user store, and the strategy made on the kit's clock. */
export interface SessionRaceFixture<U extends User<ID>, ID> {
  users: UserDatabase<U, ID>;
  /**
   * The strategy under test on `clock` (the kit moves it a second per
   * session it starts), with a lifetime of an hour or more; with
   * `maxSessionsPerUser: 3` when the suite's `capped` is set.
   */
  strategy(clock: Clock): Strategy<U, ID>;
  /** Releases connections; runs after each case. */
  dispose?(): Promise<void>;
  /** The adapter's OAuth account store: races provider sign-ins too. @default none */
  oauthAccounts?: OAuthAccountDatabase<ID>;
}

export interface SessionRaceOptions<U extends User<ID>, ID> {
  create(): Promise<SessionRaceFixture<U, ID>>;
  /** Rounds per pair of writes. @default 8 */
  rounds?: number;
  /**
   * The strategy ends the oldest sessions past `maxSessionsPerUser: 3`: each
   * round starts with three, so every login evicts the oldest.
   * @default false
   */
  capped?: boolean;
  /** Only these writes (and their pairs). @default every write the strategy supports */
  only?: readonly RaceWriteName[];
}

/**
 * The session race kit: every pair of session writes on one user (login,
 * refresh, refresh-token reuse, logout, ending one session, all others, all,
 * a credential change, deactivation, deletion, a password reset, a sign-in
 * through an identity provider when the fixture has `oauthAccounts`) fired
 * together, round after round, each round checking the invariant that the
 * routes promise: once a revocation has answered, no token of what it ended
 * works again, and every token that works is listed in its owner's sessions
 * (see `checkInvariant`). A broken round fails its case with the pair, the
 * round and what broke. Writes a strategy cannot do are left out, named in
 * the suite's title.
 *
 * @example
 * runSessionRaceSuite("kysely on postgres", {
 *   capped: true,
 *   async create() {
 *     const { users, accessTokens, refreshTokens } = kyselyAdapter(db);
 *     return {
 *       users,
 *       strategy: (clock) => new DatabaseStrategy(accessTokens, {
 *         lifetimeSeconds: 3600, clock, maxSessionsPerUser: 3, refreshTokens: { database: refreshTokens },
 *       }),
 *     };
 *   },
 * });
 */
export function runSessionRaceSuite<U extends User<ID>, ID>(
  name: string,
  options: SessionRaceOptions<U, ID>,
): void {
  const { rounds = 8, capped = false } = options;
  describe(`Session races: ${name}`, () => {
    let fixture: SessionRaceFixture<U, ID>;
    let now: Date;
    let strategy: Strategy<U, ID>;
    let manager: UserManager<U, ID>;
    let resetToken = "";
    beforeEach(async () => {
      now = new Date();
      fixture = await options.create();
      strategy = fixture.strategy(() => now);
      manager = new UserManager(fixture.users, {
        resetPasswordTokenSecret: randomBytes(32),
        hooks: {
          onAfterForgotPassword: (_user, token) => {
            resetToken = token;
          },
        },
      });
    });
    afterEach(async () => {
      await fixture?.dispose?.();
    });
    const tick = () => {
      now = new Date(now.getTime() + 1000);
    };

    async function startRound(): Promise<RaceRound<U, ID>> {
      const user = await fixture.users.create(
        userData(`race-${randomBytes(6).toString("hex")}@example.com`),
      );
      const refreshing = refreshingStrategy(strategy);
      const sessions: HeldSession[] = [];
      for (const name of ["A", "B", "C"] as const) {
        tick();
        sessions.push(await startSession(name, user, refreshing));
      }
      const a = sessions[0] as HeldSession;
      if (refreshing) {
        tick();
        const used = a.refresh[0] as string;
        const next = await refreshing.refresh(used);
        if (!next.ok) throw new Error(`the kit's own refresh failed (${next.reason})`);
        a.access.push(next.accessToken);
        a.refresh.push(next.refreshToken);
        a.used = used;
      }
      await manager.forgotPassword(user);
      const accounts = fixture.oauthAccounts;
      const accountId = `race-${randomBytes(6).toString("hex")}`;
      await accounts?.add({
        oauthName: RACE_PROVIDER,
        accountId,
        accountEmail: user.email,
        accessToken: "race-provider-token",
        refreshToken: null,
        expiresAt: null,
        userId: user.id,
      });
      tick();
      return {
        user,
        manager,
        strategy,
        refreshing,
        capped,
        sessions,
        resetToken,
        providerAccount: accounts ? { accounts, accountId, email: user.email } : null,
        session(name: SessionName) {
          const found = sessions.find((session) => session.name === name);
          if (!found) throw new Error(`no session ${name}`);
          return found;
        },
      };
    }

    async function startSession(
      name: SessionName,
      user: U,
      refreshing: RefreshingStrategy<U> | null,
    ): Promise<HeldSession> {
      const info = { ip: "192.0.2.1", userAgent: `Race ${name}` };
      if (refreshing) {
        const pair = await refreshing.writeTokens(user, info);
        return {
          name,
          id: pair.sessionId,
          access: [pair.accessToken],
          refresh: [pair.refreshToken],
          used: null,
        };
      }
      const token = await strategy.writeToken(user, info);
      const id = (await strategy.sessionIdOf?.(token)) ?? null;
      return { name, id, access: [token], refresh: [], used: null };
    }

    for (const [first, second] of pairs(options.only)) {
      it(`${first.name} × ${second.name}`, async (context) => {
        const traits = { ...traitsOf(strategy), providerAccounts: !!fixture.oauthAccounts };
        const why = first.unsupported(traits) ?? second.unsupported(traits);
        if (why !== null) {
          context.skip(why);
          return;
        }
        for (let n = 1; n <= rounds; n++) {
          const round = await startRound();
          const answers = await Promise.all([first.run(round), second.run(round)]);
          const broken = await checkInvariant(round, fixture.users, {
            ended: answers.flat(),
            mayEnd: [...first.mayEnd, ...second.mayEnd],
          });
          if (broken.length > 0) {
            const said = answers.map(
              (ended, i) => `${i ? second.name : first.name} ended [${ended.join(", ")}]`,
            );
            throw new Error(
              `${first.name} × ${second.name}, round ${n} of ${rounds} (${said.join("; ")}):\n- ${broken.join("\n- ")}`,
            );
          }
        }
      });
    }
  });
}

/** Every unordered pair of writes, each with itself included. */
function pairs(only?: readonly RaceWriteName[]): [RaceWrite, RaceWrite][] {
  const writes = RACE_WRITES.filter((write) => !only || only.includes(write.name));
  return writes.flatMap((first, i) =>
    writes.slice(i).map((second): [RaceWrite, RaceWrite] => [first, second]),
  );
}

function traitsOf<U extends User<ID>, ID>(
  strategy: Strategy<U, ID>,
): Omit<StrategyTraits, "providerAccounts"> {
  return {
    refreshing: refreshingStrategy(strategy) !== null,
    revocable:
      typeof strategy.listSessions === "function" && typeof strategy.destroySession === "function",
    revokesAll: typeof strategy.destroyAllTokens === "function",
  };
}
