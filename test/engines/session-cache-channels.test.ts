import { performance } from "node:perf_hooks";
import { describe, expect, it, vi } from "vitest";
import { BOUND_MS, closeInstances, twoInstances } from "../support/cache-stores.js";
import { ENGINE } from "../support/test-database.js";

closeInstances();

const percentile = (values: number[], p: number) =>
  [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))];

describe(`session cache across instances (${ENGINE})`, () => {
  it("a logout on one instance is refused by the other within the bound, under concurrent lookups, 20 rounds", async () => {
    const { a, b, user } = await twoInstances();
    const visibleAfter: number[] = [];
    for (let round = 0; round < 20; round++) {
      const token = await a.strategy.writeToken(user);
      expect((await b.strategy.readToken(token))?.id).toBe(user.id);
      expect((await b.strategy.readToken(token))?.id).toBe(user.id);

      // Eight lookups at a time on B, before, during and after the logout on A.
      const seen: { startedAt: number; found: boolean }[] = [];
      let answeredAt = Number.POSITIVE_INFINITY;
      const poll = async () => {
        for (;;) {
          const startedAt = performance.now();
          const found = (await b.strategy.readToken(token)) !== null;
          seen.push({ startedAt, found });
          if (!found && startedAt > answeredAt) return;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      };
      const pollers = Array.from({ length: 8 }, poll);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await a.strategy.destroyToken(token, user);
      answeredAt = performance.now();
      await Promise.all(pollers);

      const late = seen.filter((s) => s.found && s.startedAt > answeredAt + BOUND_MS);
      expect(late).toEqual([]);
      const firstRefused = Math.min(
        ...seen.filter((s) => !s.found && s.startedAt > answeredAt).map((s) => s.startedAt),
      );
      visibleAfter.push(firstRefused - answeredAt);
    }
    expect(b.cache.status().hits).toBeGreaterThanOrEqual(20);
    console.info(
      `${ENGINE}: revocation refused on the other instance after p50 ${percentile(visibleAfter, 0.5)?.toFixed(1)} ms, max ${Math.max(...visibleAfter).toFixed(1)} ms (bound ${BOUND_MS} ms)`,
    );
  });

  it("a password change, a deactivation and the end of all sessions on one instance reach the other", async () => {
    const { a, b, user } = await twoInstances();
    const cached = async () => {
      const token = await a.strategy.writeToken(user);
      expect((await b.strategy.readToken(token))?.id).toBe(user.id);
      expect((await b.strategy.readToken(token))?.id).toBe(user.id);
      return token;
    };
    const refusedWithin = async (check: () => Promise<boolean>) => {
      const answeredAt = performance.now();
      await vi.waitFor(async () => expect(await check()).toBe(true), { timeout: 1_000 });
      expect(performance.now() - answeredAt).toBeLessThan(BOUND_MS * 5);
    };

    let token = await cached();
    await a.strategy.destroyAllTokens(user);
    await refusedWithin(async () => (await b.strategy.readToken(token)) === null);

    token = await cached();
    const deactivated = await a.stores.users.update(user, { isActive: false });
    await refusedWithin(async () => (await b.strategy.readToken(token))?.isActive === false);

    await a.stores.users.update(deactivated ?? user, { isActive: true, securityStamp: 1 });
    await refusedWithin(async () => (await b.strategy.readToken(token)) === null);
  });
});
