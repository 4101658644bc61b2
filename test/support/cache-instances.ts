import { performance } from "node:perf_hooks";
import type { CacheStatus } from "tessera-auth";
import { expect, vi } from "vitest";
import { bearer, jsonBody, PASSWORD } from "../http/harness.js";
import { DemoProcess } from "./demo-process.js";

/** The demo's default staleness bound. */
export const BOUND_MS = 100;

/** Two demo processes with `TESSERA_CACHE=1` on one database, both caches up. */
export async function startCachedPair(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<[DemoProcess, DemoProcess]> {
  const options = { env: { TESSERA_CACHE: "1", TESSERA_RATE_LIMIT: "off", ...env } };
  const a = await DemoProcess.start(databaseUrl, options);
  const b = await DemoProcess.start(databaseUrl, options).catch(async (error) => {
    await a.stop();
    throw error;
  });
  await Promise.all([waitForCache(a, "up", "idle"), waitForCache(b, "up", "idle")]);
  return [a, b];
}

/** The cache's status, as the demo's `/health` reports it. */
export async function cacheStatus(instance: DemoProcess): Promise<CacheStatus> {
  const response = await instance.fetch("/health");
  expect(response.status).toBe(200);
  return ((await response.json()) as { cache: CacheStatus }).cache;
}

/** Waits until the cache is in one of `states` (`up` and `idle` both mean a channel that delivers). */
export function waitForCache(instance: DemoProcess, ...states: CacheStatus["state"][]) {
  return vi.waitFor(async () => expect(states).toContain((await cacheStatus(instance)).state), {
    timeout: 15_000,
    interval: 20,
  });
}

/** Uses the token on B until a use is served from B's cache (an idle cache wakes on its first lookups). */
async function untilHit(instance: DemoProcess, token: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const before = (await cacheStatus(instance)).hits;
      expect(await me(instance, token)).toBe(200);
      expect((await cacheStatus(instance)).hits).toBe(before + 1);
    },
    { timeout: 5_000, interval: 10 },
  );
}

export async function login(instance: DemoProcess, username: string): Promise<string> {
  const response = await instance.fetch("/auth/login", {
    method: "POST",
    body: new URLSearchParams({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function register(instance: DemoProcess, email: string): Promise<void> {
  const response = await instance.fetch(
    "/auth/register",
    jsonBody("POST", { email, password: PASSWORD }),
  );
  expect(response.status).toBe(201);
}

export async function me(instance: DemoProcess, token: string): Promise<number> {
  const response = await instance.fetch("/users/me", { headers: bearer(token) });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Rounds of: log in on A, use the token on B (a miss, then a hit), log out on
 * A while four clients keep asking B. Asserts that no request sent to B more
 * than the bound after A's logout answered was let in, and returns, per round,
 * how long after that answer B first refused.
 */
export async function revocationRounds(
  a: DemoProcess,
  b: DemoProcess,
  email: string,
  rounds: number,
): Promise<number[]> {
  const visibleAfter: number[] = [];
  const hitsBefore = (await cacheStatus(b)).hits;
  for (let round = 0; round < rounds; round++) {
    const token = await login(a, email);
    await untilHit(b, token);

    const seen: { sentAt: number; status: number }[] = [];
    let answeredAt = Number.POSITIVE_INFINITY;
    const poll = async () => {
      for (;;) {
        const sentAt = performance.now();
        const status = await me(b, token);
        seen.push({ sentAt, status });
        if (status === 401 && sentAt > answeredAt) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    const pollers = Array.from({ length: 4 }, poll);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const logout = await a.fetch("/auth/logout", { method: "POST", headers: bearer(token) });
    expect(logout.status).toBe(204);
    answeredAt = performance.now();
    await Promise.all(pollers);

    expect(seen.every((s) => s.status === 200 || s.status === 401)).toBe(true);
    expect(seen.filter((s) => s.status === 200 && s.sentAt > answeredAt + BOUND_MS)).toEqual([]);
    const refused = seen.filter((s) => s.status === 401 && s.sentAt > answeredAt);
    visibleAfter.push(Math.min(...refused.map((s) => s.sentAt)) - answeredAt);
  }
  // The cache served B: at least one use of each round.
  expect((await cacheStatus(b)).hits - hitsBefore).toBeGreaterThanOrEqual(rounds);
  return visibleAfter;
}

/** "p50 … ms, max … ms" of the rounds' figures. */
export function describeLatencies(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return `p50 ${p50.toFixed(1)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms over ${values.length} rounds`;
}

/**
 * With the channel down on B: a logout on A is refused by B at once (the
 * cache is bypassed); the test brings the channel back with `restore`, and
 * B's cache then serves again.
 */
export async function channelOutage(
  a: DemoProcess,
  b: DemoProcess,
  email: string,
  outage: { kill(): Promise<void>; restore(): Promise<void> },
): Promise<void> {
  const token = await login(a, email);
  await untilHit(b, token);
  await outage.kill();
  await waitForCache(b, "down");
  const logout = await a.fetch("/auth/logout", { method: "POST", headers: bearer(token) });
  expect(logout.status).toBe(204);
  expect(await me(b, token)).toBe(401);
  expect((await cacheStatus(b)).bypassed).toBeGreaterThan(0);

  await outage.restore();
  await waitForCache(b, "up", "idle");
  expect((await cacheStatus(b)).entries).toBe(0);
  await untilHit(b, await login(a, email));
}
