import { sql } from "kysely";
import { expect, it, vi } from "vitest";
import { BOUND_MS, closeInstances, twoInstances, waitUntil } from "../support/cache-stores.js";

closeInstances();

it("with its LISTEN connection killed, an instance bypasses the cache and still refuses revoked tokens; once back, the cache resumes", async () => {
  const { a, b, user } = await twoInstances();
  const token = await a.strategy.writeToken(user);
  // An idle cache wakes on its first lookups: read until the token is cached.
  await vi.waitFor(async () => {
    await b.strategy.readToken(token);
    expect(b.cache.status().entries).toBe(1);
  });

  // Both instances' listeners on this test's database go (they are not told apart).
  await sql`select pg_terminate_backend(pid) from pg_stat_activity
            where application_name = 'tessera-revocations' and datname = current_database()`.execute(
    a.db,
  );
  await waitUntil(b.cache, "down");
  expect(b.logs.join("\n")).toMatch(/postgres channel is down/);

  await a.strategy.destroyToken(token, user);
  expect(await b.strategy.readToken(token)).toBeNull();
  const bypassed = b.cache.status().bypassed;
  expect(bypassed).toBeGreaterThan(0);

  await waitUntil(b.cache, "up", "idle");
  expect(b.cache.status().entries).toBe(0);
  const next = await a.strategy.writeToken(user);
  await vi.waitFor(async () => {
    const hits = b.cache.status().hits;
    expect((await b.strategy.readToken(next))?.id).toBe(user.id);
    expect(b.cache.status().hits).toBe(hits + 1);
  });
  await a.strategy.destroyToken(next, user);
  await vi.waitFor(async () => expect(await b.strategy.readToken(next)).toBeNull(), {
    timeout: BOUND_MS * 5,
  });
});
