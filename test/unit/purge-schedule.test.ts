import { DatabaseStrategy, schedulePurge, type User } from "tessera-auth";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { memoryDatabase } from "../support/sqlite.js";

describe("schedulePurge", () => {
  let now: Date;
  const clock = () => now;
  beforeEach(() => {
    now = new Date("2026-03-01T00:00:00.000Z");
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function setup() {
    const db = await memoryDatabase();
    const user: User<string> = await db.users.create({
      email: "ada@example.com",
      hashedPassword: "x",
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 60, clock });
    return { db, user, strategy };
  }

  it("purges expired sessions at each interval, and not after stop()", async () => {
    const { db, user, strategy } = await setup();
    const schedule = schedulePurge(strategy, { everySeconds: 600 });
    const expired = await strategy.writeToken(user);
    now = new Date(now.getTime() + 120_000);
    const live = await strategy.writeToken(user);
    await vi.advanceTimersByTimeAsync(599_000);
    expect(await db.accessTokens.listByUser(user.id, null)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(async () =>
      expect(await db.accessTokens.listByUser(user.id, null)).toHaveLength(1),
    );
    expect(await strategy.readToken(expired)).toBeNull();
    expect(await strategy.readToken(live)).not.toBeNull();
    await schedule.stop();
    now = new Date(now.getTime() + 120_000);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(await db.accessTokens.listByUser(user.id, null)).toHaveLength(1);
  });

  it("reports a failed purge and goes on; never runs two at once", async () => {
    const errors: unknown[] = [];
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const slow = {
      async purgeExpired() {
        calls += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight -= 1;
        if (calls === 1) throw new Error("database down");
        return 0;
      },
    };
    const schedule = schedulePurge(slow, { everySeconds: 0.01, onError: (e) => errors.push(e) });
    for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(10);
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(2), { timeout: 2000 });
    await schedule.stop();
    expect(most).toBe(1);
    expect(errors).toEqual([new Error("database down")]);
  });

  it("refuses an interval that is not a positive number", async () => {
    const { strategy } = await setup();
    for (const everySeconds of [0, -1, Number.NaN]) {
      expect(() => schedulePurge(strategy, { everySeconds })).toThrow(RangeError);
    }
  });
});
