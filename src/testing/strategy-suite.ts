import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../core/clock.js";
import type { User } from "../core/models.js";
import type { Strategy } from "../strategies/strategy.js";
import type { UserDatabase } from "../users/user-database.js";
import { UserManager } from "../users/user-manager.js";
import { userData } from "./user-database-suite.js";

/** What a strategy under test needs: a user store, and the strategy made on a clock the suite moves. */
export interface StrategyFixture<U extends User<ID>, ID> {
  users: UserDatabase<U, ID>;
  strategy(clock: Clock): Strategy<U, ID>;
  /** Releases connections; runs after each test. */
  dispose?(): Promise<void>;
}

export interface StrategySuiteOptions<U extends User<ID>, ID> {
  create(): Promise<StrategyFixture<U, ID>>;
  /** The lifetime the strategy was made with, in seconds. */
  lifetimeSeconds: number;
  /** Whether a token can be revoked before it expires (a JWT cannot). */
  revocable: boolean;
}

const T0 = new Date("2026-05-01T08:00:00.000Z");

/**
 * The strategy conformance suite: what every strategy promises the routes.
 * A token reads back as its user; unknown, garbled and expired tokens read as
 * `null`; a credential change ends older tokens; a deleted user's tokens
 * die; revocation (one token, all but one, one session) where the strategy
 * can revoke, and the sessions it lists with how each was proven (`amr`);
 * concurrent logins get distinct tokens.
 *
 * @example
 * runStrategySuite("redis", { create, lifetimeSeconds: 3600, revocable: true });
 */
export function runStrategySuite<U extends User<ID>, ID>(
  name: string,
  options: StrategySuiteOptions<U, ID>,
): void {
  const { lifetimeSeconds, revocable } = options;

  describe(`Strategy conformance: ${name}`, () => {
    let fixture: StrategyFixture<U, ID>;
    let now: Date;
    let strategy: Strategy<U, ID>;
    let manager: UserManager<U, ID>;
    let user: U;
    beforeEach(async () => {
      now = T0;
      fixture = await options.create();
      strategy = fixture.strategy(() => now);
      manager = new UserManager(fixture.users);
      user = await fixture.users.create(userData("ada@example.com"));
    });
    afterEach(async () => {
      await fixture.dispose?.();
    });
    const later = (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    };

    it("a token reads back as its user; another user's token as theirs", async () => {
      const bob = await fixture.users.create(userData("bob@example.com"));
      const token = await strategy.writeToken(user);
      const bobs = await strategy.writeToken(bob);
      expect((await strategy.readToken(token, manager))?.email).toBe("ada@example.com");
      expect((await strategy.readToken(bobs, manager))?.email).toBe("bob@example.com");
    });

    it("null, unknown, garbled, truncated and oversized tokens read as null", async () => {
      const token = await strategy.writeToken(user);
      for (const bad of [
        null,
        "",
        "not-a-token",
        token.slice(0, -1),
        // One character changed, away from the end (a last base64 character may carry unused bits).
        `${token.slice(0, -5)}${token.at(-5) === "A" ? "B" : "A"}${token.slice(-4)}`,
        `${token}x`,
        "' OR '1'='1",
        "x".repeat(100_000),
      ]) {
        expect(await strategy.readToken(bad, manager)).toBeNull();
      }
    });

    it("a token lives its lifetime and not a second more", async () => {
      const token = await strategy.writeToken(user);
      later(lifetimeSeconds - 1);
      expect((await strategy.readToken(token, manager))?.id).toEqual(user.id);
      later(2);
      expect(await strategy.readToken(token, manager)).toBeNull();
    });

    it("a credential change (a new security stamp) ends every older token", async () => {
      const token = await strategy.writeToken(user);
      const changed = (await fixture.users.update(user, { securityStamp: 1 })) as U;
      expect(await strategy.readToken(token, manager)).toBeNull();
      const fresh = await strategy.writeToken(changed);
      expect((await strategy.readToken(fresh, manager))?.id).toEqual(user.id);
    });

    it("a deleted user's tokens read as null", async () => {
      const token = await strategy.writeToken(user);
      await fixture.users.delete(user);
      expect(await strategy.readToken(token, manager)).toBeNull();
    });

    it("20 concurrent logins get 20 distinct working tokens", async () => {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => strategy.writeToken(user)));
      expect(new Set(tokens).size).toBe(20);
      for (const token of tokens) {
        expect((await strategy.readToken(token, manager))?.id).toEqual(user.id);
      }
    });

    if (!revocable) {
      it("cannot revoke: a destroyed token keeps working until it expires (stated, and tested)", async () => {
        const token = await strategy.writeToken(user);
        await strategy.destroyToken(token, user);
        expect((await strategy.readToken(token, manager))?.id).toEqual(user.id);
        expect(strategy.destroyAllTokens).toBeUndefined();
        expect(strategy.listSessions).toBeUndefined();
      });
      return;
    }

    it("destroyToken ends that token only", async () => {
      const token = await strategy.writeToken(user);
      const other = await strategy.writeToken(user);
      await strategy.destroyToken(token, user);
      expect(await strategy.readToken(token, manager)).toBeNull();
      expect((await strategy.readToken(other, manager))?.id).toEqual(user.id);
      await strategy.destroyToken(token, user);
    });

    it("destroyAllTokens ends every token of the user but `keep`, and no one else's", async () => {
      const bob = await fixture.users.create(userData("bob@example.com"));
      const keep = await strategy.writeToken(user);
      const others = [await strategy.writeToken(user), await strategy.writeToken(user)];
      const bobs = await strategy.writeToken(bob);
      expect(await strategy.destroyAllTokens?.(user, { keep })).toBe(2);
      for (const token of others) expect(await strategy.readToken(token, manager)).toBeNull();
      expect((await strategy.readToken(keep, manager))?.id).toEqual(user.id);
      expect((await strategy.readToken(bobs, manager))?.id).toEqual(bob.id);
      expect(await strategy.destroyAllTokens?.(user)).toBe(1);
      expect(await strategy.readToken(keep, manager)).toBeNull();
    });

    it("destroyAllTokens with previousStamp keeps the session that changed the credentials", async () => {
      const keep = await strategy.writeToken(user);
      const other = await strategy.writeToken(user);
      const changed = (await fixture.users.update(user, { securityStamp: 1 })) as U;
      await strategy.destroyAllTokens?.(changed, { keep, previousStamp: 0 });
      expect((await strategy.readToken(keep, manager))?.id).toEqual(user.id);
      expect(await strategy.readToken(other, manager)).toBeNull();
    });

    it("lists the user's live sessions newest first, by public ids that log nobody in; ends one by its id", async () => {
      const first = await strategy.writeToken(user, { userAgent: "Laptop/1.0", ip: "203.0.113.9" });
      later(1);
      const second = await strategy.writeToken(user, { userAgent: "Phone/2.0" });
      const sessions = (await strategy.listSessions?.(user)) ?? [];
      expect(sessions.map((s) => s.userAgent)).toEqual(["Phone/2.0", "Laptop/1.0"]);
      expect(sessions[1]).toMatchObject({ ip: "203.0.113.9", createdAt: T0 });
      expect(sessions[1]?.expiresAt).toEqual(new Date(T0.getTime() + lifetimeSeconds * 1000));
      for (const session of sessions) {
        expect(session.id).not.toContain(first);
        expect(await strategy.readToken(session.id, manager)).toBeNull();
      }
      expect(await strategy.sessionIdOf?.(second)).toBe(sessions[0]?.id);
      expect(await strategy.destroySession?.(user, sessions[1]?.id as string)).toBe(true);
      expect(await strategy.readToken(first, manager)).toBeNull();
      expect((await strategy.readToken(second, manager))?.id).toEqual(user.id);
      expect(await strategy.destroySession?.(user, sessions[1]?.id as string)).toBe(false);
      later(lifetimeSeconds + 1);
      expect(await strategy.listSessions?.(user)).toEqual([]);
    });

    it("lists how each session was proven (amr), kept across a credential change that keeps it; one written without it, none", async () => {
      const amrByAgent = async (owner: U) =>
        Object.fromEntries(
          ((await strategy.listSessions?.(owner)) ?? []).map((s) => [s.userAgent, s.amr]),
        );
      const proven = await strategy.writeToken(user, {
        userAgent: "Proven/1",
        amr: ["password", "otp", "password"],
      });
      later(1);
      await strategy.writeToken(user, { userAgent: "Old/1" });
      expect(await amrByAgent(user)).toEqual({ "Proven/1": ["password", "otp"], "Old/1": [] });
      const changed = (await fixture.users.update(user, { securityStamp: 1 })) as U;
      await strategy.destroyAllTokens?.(changed, { keep: proven, previousStamp: 0 });
      expect(await amrByAgent(changed)).toEqual({ "Proven/1": ["password", "otp"] });
      await expect(strategy.writeToken(changed, { amr: ["Password"] })).rejects.toThrow(TypeError);
    });
  });
}
