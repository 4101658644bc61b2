import type { User } from "../core/models.js";
import type { UserDatabase } from "../users/user-database.js";
import type { Ended, HeldSession, RaceRound, SessionName } from "./session-race-writes.js";

/** What the two writes of a round answered, and what a concurrent write may have ended besides. */
export interface RoundOutcome {
  ended: Ended;
  mayEnd: readonly SessionName[];
}

/**
 * The invariant, checked once both writes have answered; each broken part is
 * described in a line (none: it held).
 *
 * 1. No token of a session that an answer said was ended works: no access
 *    token reads as a user, no refresh token refreshes.
 * 2. Every token that works belongs to a session its owner's list shows.
 * 3. The sessions A, B and C that nothing ended still work (a revocation
 *    ends what it says, no more).
 *
 * Refresh tokens are tried last, since trying one uses it.
 */
export async function checkInvariant<U extends User<ID>, ID>(
  round: RaceRound<U, ID>,
  users: UserDatabase<U, ID>,
  outcome: RoundOutcome,
): Promise<string[]> {
  const { strategy, manager } = round;
  const broken: string[] = [];
  const all = outcome.ended.includes("all");
  const ended = (session: HeldSession) => all || outcome.ended.includes(session.name);
  const owner = await users.get(round.user.id);
  const listed =
    owner && strategy.listSessions
      ? new Set((await strategy.listSessions(owner)).map((session) => session.id))
      : null;

  for (const session of round.sessions) {
    const latest = session.access.length - 1;
    for (const [index, token] of session.access.entries()) {
      const works = (await strategy.readToken(token, manager)) !== null;
      const which = `session ${session.name}'s access token #${index + 1}`;
      if (works && ended(session)) broken.push(`${which} still works after its session ended`);
      if (works && listed !== null) {
        const id = await strategy.sessionIdOf?.(token);
        if (id == null || !listed.has(id))
          broken.push(`${which} works but its session is not listed`);
      }
      const mustWork =
        index === latest &&
        session.name !== "L" &&
        !ended(session) &&
        !outcome.mayEnd.includes(session.name);
      if (mustWork && !works) broken.push(`${which} stopped working though nothing ended it`);
    }
  }

  for (const session of round.sessions) {
    const token = session.refresh.at(-1);
    if (token === undefined || !round.refreshing) continue;
    const outcomeOf = await round.refreshing.refresh(token);
    if (!outcomeOf.ok) continue;
    if (ended(session))
      broken.push(
        `session ${session.name}'s refresh token still refreshes after its session ended`,
      );
    if (listed !== null && !listed.has(outcomeOf.sessionId)) {
      broken.push(
        `session ${session.name}'s refresh token refreshes but its session is not listed`,
      );
    }
  }
  return broken;
}
