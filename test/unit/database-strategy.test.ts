import { type AccessTokenDatabase, DatabaseStrategy, hashToken, type User } from "tessera-auth";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { memoryDatabase } from "../support/sqlite.js";

/** The real database, with a count of the calls each of its methods received. */
function counted<T extends object>(database: T): { database: T; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(database, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { database: proxy, calls };
}

describe("DatabaseStrategy", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;
  let user: User<string>;
  let now: Date;
  const clock = () => now;

  beforeEach(async () => {
    now = new Date("2026-03-01T00:00:00.000Z");
    db = await memoryDatabase();
    user = await db.users.create({
      email: "ada@example.com",
      hashedPassword: "x",
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });
  });

  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  it("issues a token that reads back to its user, stored only as its SHA-256", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600, clock });
    const token = await strategy.writeToken(user);
    expect((await strategy.readToken(token))?.id).toBe(user.id);
    const stored = (await db.db.selectFrom("accesstoken").selectAll().execute()).map(
      (r) => r.token,
    );
    expect(stored).toEqual([hashToken(token)]);
  });

  it("expires a token after lifetimeSeconds, not a millisecond before", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600, clock });
    const token = await strategy.writeToken(user);
    advance(3600);
    expect(await strategy.readToken(token)).not.toBeNull();
    advance(0.001);
    expect(await strategy.readToken(token)).toBeNull();
  });

  it("never expires tokens with lifetimeSeconds: null", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: null, clock });
    const token = await strategy.writeToken(user);
    advance(10 * 365 * 24 * 3600);
    expect((await strategy.readToken(token))?.id).toBe(user.id);
    expect(await strategy.purgeExpired()).toBe(0);
  });

  it("destroys one token and leaves the others", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600, clock });
    const first = await strategy.writeToken(user);
    const second = await strategy.writeToken(user);
    expect(first).not.toBe(second);
    await strategy.destroyToken(first, user);
    expect(await strategy.readToken(first)).toBeNull();
    expect(await strategy.readToken(second)).not.toBeNull();
  });

  it("destroys all of a user's tokens but the kept one", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600, clock });
    const tokens = [await strategy.writeToken(user), await strategy.writeToken(user)];
    const kept = await strategy.writeToken(user);
    expect(await strategy.destroyAllTokens(user, { keep: kept })).toBe(2);
    for (const token of tokens) expect(await strategy.readToken(token)).toBeNull();
    expect(await strategy.readToken(kept)).not.toBeNull();
  });

  it("purges expired rows only", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 60, clock });
    await strategy.writeToken(user);
    advance(61);
    const fresh = await strategy.writeToken(user);
    expect(await strategy.purgeExpired()).toBe(1);
    expect(await strategy.readToken(fresh)).not.toBeNull();
  });

  it("reads null for missing and malformed tokens without a query", async () => {
    const { database, calls } = counted(db.accessTokens);
    const strategy = new DatabaseStrategy(database, { lifetimeSeconds: 3600, clock });
    for (const token of [null, "", "x", "' OR 1=1 --", "a".repeat(10_000)]) {
      expect(await strategy.readToken(token)).toBeNull();
    }
    expect(calls).toEqual({});
  });

  it("issues recognisable tokens; a mistyped one is refused without a query; older tokens still work", async () => {
    const legacy = new DatabaseStrategy(db.accessTokens, {
      lifetimeSeconds: 3600,
      tokenPrefix: null,
      clock,
    });
    const old = await legacy.writeToken(user);
    expect(old).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { database, calls } = counted(db.accessTokens);
    const strategy = new DatabaseStrategy(database, { lifetimeSeconds: 3600, clock });
    const token = await strategy.writeToken(user);
    expect(token).toMatch(/^tess_[0-9A-Za-z]{49}$/);
    expect((await strategy.readToken(token))?.id).toBe(user.id);
    expect((await strategy.readToken(old))?.id).toBe(user.id);
    const typo = token.slice(0, 20) + (token[20] === "a" ? "b" : "a") + token.slice(21);
    expect(await strategy.readToken(typo)).toBeNull();
    expect(await strategy.readToken(token.slice(0, -1))).toBeNull();
    expect(calls).toEqual({ create: 1, getSessionByToken: 2 });
  });

  it("plain storage issues FastAPI Users' 43-character tokens and takes no prefix", () => {
    const make = (tokenPrefix?: string | null) =>
      new DatabaseStrategy(db.accessTokens, {
        lifetimeSeconds: 3600,
        tokenStorage: "plain",
        tokenPrefix,
      });
    expect(() => make("tess_")).toThrow(RangeError);
    expect(() => make(null)).not.toThrow();
  });

  it("in plain storage mode stores the token itself (FastAPI Users interop)", async () => {
    const strategy = new DatabaseStrategy(db.accessTokens, {
      lifetimeSeconds: 3600,
      clock,
      tokenStorage: "plain",
    });
    const token = await strategy.writeToken(user);
    const stored = (await db.db.selectFrom("accesstoken").selectAll().execute()).map(
      (r) => r.token,
    );
    expect(stored).toEqual([token]);
    expect((await strategy.readToken(token))?.id).toBe(user.id);
  });

  it("refuses nonsense lifetimes", () => {
    for (const lifetimeSeconds of [0, -1, Number.NaN]) {
      expect(() => new DatabaseStrategy(db.accessTokens, { lifetimeSeconds })).toThrow(RangeError);
    }
  });

  describe("idle timeout (idleTimeoutSeconds: 600, lifetimeSeconds: 3600)", () => {
    const idle = (database: AccessTokenDatabase<User<string>> = db.accessTokens) =>
      new DatabaseStrategy(database, { lifetimeSeconds: 3600, idleTimeoutSeconds: 600, clock });

    it("a session used within the timeout slides on; unused for longer, it ends", async () => {
      const strategy = idle();
      const token = await strategy.writeToken(user);
      for (let i = 0; i < 5; i++) {
        advance(590);
        expect((await strategy.readToken(token))?.id).toBe(user.id);
      }
      advance(600.001);
      expect(await strategy.readToken(token)).toBeNull();
    });

    it("the lifetime stays the absolute cap however often the session is used", async () => {
      const strategy = idle();
      const token = await strategy.writeToken(user);
      for (let elapsed = 0; elapsed < 3600; elapsed += 300) {
        expect(await strategy.readToken(token)).not.toBeNull();
        advance(300);
      }
      expect(await strategy.readToken(token)).not.toBeNull(); // exactly 3600 s: still valid
      advance(0.001);
      expect(await strategy.readToken(token)).toBeNull();
    });

    it("one query per request; last_used_at written at most once per interval (60 s)", async () => {
      const { database, calls } = counted(db.accessTokens);
      const strategy = idle(database);
      const token = await strategy.writeToken(user);
      for (let i = 0; i < 30; i++) {
        advance(5); // 150 s in all: writes at 65 s and 130 s (more than 60 s after the last)
        expect(await strategy.readToken(token)).not.toBeNull();
      }
      expect(calls).toEqual({ create: 1, getSessionByToken: 30, touch: 2 });
      const [row] = await db.accessTokens.listByUser(user.id, null);
      expect(row?.lastUsedAt).toEqual(new Date(now.getTime() - 20_000));
    });

    it("lists each session's last use and the sooner of its two ends; hides idle ones", async () => {
      const strategy = idle();
      const stale = await strategy.writeToken(user);
      advance(300);
      const used = await strategy.writeToken(user);
      advance(200);
      await strategy.readToken(used);
      const listed = await strategy.listSessions(user);
      expect(listed.map((s) => [s.id, s.lastUsedAt, s.expiresAt])).toEqual([
        [strategy.sessionIdOf(used), now, new Date(now.getTime() + 600_000)],
        [
          strategy.sessionIdOf(stale),
          new Date(now.getTime() - 500_000),
          new Date(now.getTime() + 100_000),
        ],
      ]);
      advance(100.001);
      expect((await strategy.listSessions(user)).map((s) => s.id)).toEqual([
        strategy.sessionIdOf(used),
      ]);
      expect(await strategy.destroySession(user, strategy.sessionIdOf(stale) as string)).toBe(
        false,
      );
      expect(await strategy.readToken(stale)).toBeNull();
    });

    it("purgeExpired deletes idle sessions too, and an idle timeout works without a lifetime", async () => {
      const strategy = new DatabaseStrategy(db.accessTokens, {
        lifetimeSeconds: null,
        idleTimeoutSeconds: 600,
        clock,
      });
      const idleToken = await strategy.writeToken(user);
      advance(500);
      const active = await strategy.writeToken(user);
      advance(200);
      expect(await strategy.purgeExpired()).toBe(1);
      expect(await strategy.readToken(idleToken)).toBeNull();
      expect(await strategy.readToken(active)).not.toBeNull();
    });

    it("refuses an interval that could let a used session idle out, and nonsense timeouts", () => {
      const make = (idleTimeoutSeconds: number | null, lastUsedIntervalSeconds?: number | null) =>
        new DatabaseStrategy(db.accessTokens, {
          lifetimeSeconds: 3600,
          idleTimeoutSeconds,
          lastUsedIntervalSeconds,
        });
      for (const [timeout, interval] of [
        [0, undefined],
        [-5, undefined],
        [Number.NaN, undefined],
        [600, null],
        [600, 600],
        [600, 0],
      ] as const) {
        expect(() => make(timeout, interval)).toThrow(RangeError);
      }
      expect(make(null, null).idleTimeoutSeconds).toBeNull();
      expect(make(8).idleTimeoutSeconds).toBe(8);
    });

    it("readTokenNow: readToken's answer at once on SQLite, in one query; a use due to be recorded is written without waiting", async () => {
      const { database, calls } = counted(db.accessTokens);
      const strategy = idle(database);
      const token = await strategy.writeToken(user);
      expect(strategy.readTokenNow(token)?.id).toBe(user.id);
      advance(61); // last use 61 s ago: due to be recorded
      expect(strategy.readTokenNow(token)?.id).toBe(user.id);
      const recordedAt = now;
      await vi.waitFor(async () => {
        const [row] = await db.accessTokens.listByUser(user.id, null);
        expect(row?.lastUsedAt).toEqual(recordedAt);
      });
      advance(30);
      expect(strategy.readTokenNow(token)?.id).toBe(user.id);
      advance(600.001); // unused for longer than the idle timeout since that record
      expect(strategy.readTokenNow(token)).toBeNull();
      for (const malformed of [null, "", "x", "' OR 1=1 --", `${token}x`]) {
        expect(strategy.readTokenNow(malformed)).toBeNull();
      }
      expect(calls).toEqual({ create: 1, getSessionByTokenNow: 4, touch: 1 });
    });
  });

  it("readTokenNow without session tracking: getUserByTokenNow, with the lifetime applied", async () => {
    const { database, calls } = counted(db.accessTokens);
    const strategy = new DatabaseStrategy(database, {
      lifetimeSeconds: 3600,
      lastUsedIntervalSeconds: null,
      clock,
    });
    const token = await strategy.writeToken(user);
    advance(3600);
    expect(strategy.readTokenNow(token)?.id).toBe(user.id);
    advance(0.001);
    expect(strategy.readTokenNow(token)).toBeNull();
    expect(calls).toEqual({ create: 1, getUserByTokenNow: 2 });
  });

  it("readTokenNow over a store that cannot answer at once: no answer, no query, no hash", async () => {
    const { database, calls } = counted(db.accessTokens);
    const waiting = new Proxy(database, {
      get: (target, name, receiver) =>
        name === "getUserByTokenNow" || name === "getSessionByTokenNow"
          ? undefined
          : Reflect.get(target, name, receiver),
    });
    for (const lastUsedIntervalSeconds of [60, null]) {
      const strategy = new DatabaseStrategy(waiting, {
        lifetimeSeconds: 3600,
        lastUsedIntervalSeconds,
        clock,
      });
      const token = await strategy.writeToken(user);
      expect(strategy.readTokenNow(token)).toBeUndefined();
      expect((await strategy.readToken(token))?.id).toBe(user.id);
    }
    expect(calls).toEqual({ create: 2, getSessionByToken: 1, getUserByToken: 1 });
  });

  it("readTokenNow leaves a subclass that overrides readToken to its own readToken", async () => {
    class Audited extends DatabaseStrategy<User<string>, string> {
      override readToken(token: string | null) {
        return super.readToken(token);
      }
    }
    const strategy = new Audited(db.accessTokens, { lifetimeSeconds: 3600, clock });
    const token = await strategy.writeToken(user);
    expect(strategy.readTokenNow(token)).toBeUndefined();
    expect((await strategy.readToken(token))?.id).toBe(user.id);
  });

  it("with lastUsedIntervalSeconds: null, reads a token with getUserByToken and writes nothing", async () => {
    const { database, calls } = counted(db.accessTokens);
    const strategy = new DatabaseStrategy(database, {
      lifetimeSeconds: 3600,
      lastUsedIntervalSeconds: null,
      clock,
    });
    const token = await strategy.writeToken(user);
    advance(1000);
    expect(await strategy.readToken(token)).not.toBeNull();
    expect(calls).toEqual({ create: 1, getUserByToken: 1 });
    expect((await strategy.listSessions(user))[0]?.lastUsedAt).toBeNull();
  });

  describe("sessions with refresh tokens (issue 23)", () => {
    const withRefresh = (options: { maxSessionsPerUser?: number } = {}) =>
      new DatabaseStrategy(db.accessTokens, {
        lifetimeSeconds: 600,
        clock,
        refreshTokens: { database: db.refreshTokens },
        ...options,
      });

    it("a session's start is its record's, never a refreshed token's row; no record, no start", async () => {
      const strategy = withRefresh();
      const login = now;
      const pair = await strategy.writeTokens(user);
      advance(300);
      const refreshed = await strategy.refresh(pair.refreshToken);
      if (!refreshed.ok) throw new Error("refresh failed");
      expect(await strategy.sessionStartedAt(refreshed.accessToken)).toEqual(login);
      // An access token whose session has no record (an orphan) is never fresh: on
      // 7c180ae its start fell back to its row's creation, the last refresh.
      await db.db.deleteFrom("authsession").execute();
      expect(await strategy.sessionStartedAt(refreshed.accessToken)).toBeNull();
    });

    it("a refresh after its session ended stores nothing and answers invalid", async () => {
      const strategy = withRefresh();
      const pair = await strategy.writeTokens(user);
      await db.db.deleteFrom("authsession").execute();
      expect(await strategy.refresh(pair.refreshToken)).toEqual({ ok: false, reason: "invalid" });
      const left = await db.db.selectFrom("accesstoken").select("security_stamp").execute();
      expect(left).toHaveLength(1);
    });

    it("a logout with an access token a refresh just replaced still ends the session", async () => {
      const strategy = withRefresh();
      const pair = await strategy.writeTokens(user);
      const refreshed = await strategy.refresh(pair.refreshToken);
      if (!refreshed.ok) throw new Error("refresh failed");
      expect(await strategy.readToken(pair.accessToken)).toBeNull();
      await strategy.destroyToken(pair.accessToken, user);
      expect(await strategy.readToken(refreshed.accessToken)).toBeNull();
      expect(await strategy.refresh(refreshed.refreshToken)).toMatchObject({ ok: false });
      expect(await strategy.listSessions(user)).toEqual([]);
    });

    it("the cap counts sessions, whatever their kind: a cookie login evicts a session with a refresh token whole", async () => {
      const strategy = withRefresh({ maxSessionsPerUser: 1 });
      const bearer = await strategy.writeTokens(user);
      advance(1);
      const cookie = await strategy.writeToken(user);
      expect(await strategy.readToken(bearer.accessToken)).toBeNull();
      // On 7c180ae the refresh token lived on: two sessions, over a cap of one.
      expect(await strategy.refresh(bearer.refreshToken)).toMatchObject({ ok: false });
      expect((await strategy.readToken(cookie))?.id).toBe(user.id);
      expect(await strategy.listSessions(user)).toHaveLength(1);
      advance(1);
      const again = await strategy.writeTokens(user);
      expect(await strategy.readToken(cookie)).toBeNull();
      expect((await strategy.listSessions(user)).map((session) => session.id)).toEqual([
        again.sessionId,
      ]);
    });
  });
});
