import { DatabaseStrategy, hashToken, type User } from "tessera-auth";
import { beforeEach, describe, expect, it } from "vitest";
import { memoryDatabase } from "../support/sqlite.js";

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
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600, clock });
    for (const token of [null, "", "x", "' OR 1=1 --", "a".repeat(10_000)]) {
      expect(await strategy.readToken(token)).toBeNull();
    }
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
});
