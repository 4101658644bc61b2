import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bearer, jsonBody, PASSWORD, TestServer } from "../http/harness.js";
import { SqliteLockHolder } from "../support/sqlite-lock-holder.js";
import { freshDatabaseUrl } from "../support/test-database.js";

/** How long the other process holds the write lock while the server is watched. */
const LOCK_MS = 1500;

/** The most a request that needs no lock may take while another process holds it. */
const RESPONSIVE_MS = 200;

/** A request with its status, Retry-After and duration; the client gives up after 10 s. */
async function timed(server: TestServer, path: string, init: RequestInit = {}) {
  const started = performance.now();
  const response = await server.fetch(path, { ...init, signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    ms: performance.now() - started,
  };
}

const register = (server: TestServer, email: string) =>
  timed(server, "/auth/register", jsonBody("POST", { email, password: PASSWORD }));

/** Requests `/health` and `/users/me` one after another until `until` resolves; their durations. */
async function watch(server: TestServer, token: string, until: Promise<unknown>) {
  let done = false;
  until.finally(() => {
    done = true;
  });
  const durations = { health: [] as number[], me: [] as number[] };
  while (!done) {
    const health = await timed(server, "/health");
    expect(health.status).toBe(200);
    durations.health.push(health.ms);
    const me = await timed(server, "/users/me", { headers: bearer(token) });
    expect(me.status).toBe(200);
    durations.me.push(me.ms);
  }
  return durations;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

describe("SQLite: another process holding the write lock never stalls the server", () => {
  let path: string;
  let holder: SqliteLockHolder | undefined;
  let server: TestServer | undefined;

  beforeEach(async () => {
    path = (await freshDatabaseUrl()).slice("sqlite:".length);
  });
  afterEach(async () => {
    holder?.kill();
    await server?.close();
    holder = server = undefined;
    await rm(dirname(path), { recursive: true, force: true });
  });

  it(`a lock held ${LOCK_MS} ms: /health and /users/me keep answering within ${RESPONSIVE_MS} ms; a registration waits for the lock, then 201`, async () => {
    server = await TestServer.start({ databaseUrl: `sqlite:${path}` });
    const { token } = await server.user();
    holder = await SqliteLockHolder.hold(path);

    const registration = register(server, "waits@example.com");
    let registered = false;
    registration.finally(() => {
      registered = true;
    });
    const lockTime = new Promise((resolve) => setTimeout(resolve, LOCK_MS));
    const durations = await watch(server, token, lockTime);
    const waitedForLock = !registered;
    await holder.release();
    const answer = await registration;

    console.info(
      `during a ${LOCK_MS} ms lock: ${durations.health.length} /health, p99 ${p99(durations.health).toFixed(1)} ms, ` +
        `max ${Math.max(...durations.health).toFixed(1)} ms; ${durations.me.length} /users/me, ` +
        `p99 ${p99(durations.me).toFixed(1)} ms; registration answered in ${answer.ms.toFixed(0)} ms`,
    );
    expect(durations.health.length).toBeGreaterThan(10);
    expect(Math.max(...durations.health, ...durations.me)).toBeLessThan(RESPONSIVE_MS);
    expect(waitedForLock).toBe(true);
    expect(answer.status).toBe(201);
  });

  it("a lock held past the busy timeout (500 ms): the write answers 503 with Retry-After, the server keeps serving, and writes work once the lock is gone", async () => {
    const busyTimeoutMs = 500;
    server = await TestServer.start({
      databaseUrl: `sqlite:${path}`,
      connectOptions: { busyTimeoutMs },
    });
    const { token } = await server.user();
    holder = await SqliteLockHolder.hold(path);

    const refused = register(server, "refused@example.com");
    const durations = await watch(server, token, refused);
    const answer = await refused;
    expect(answer).toEqual({ status: 503, retryAfter: "1", ms: expect.any(Number) });
    expect(answer.ms).toBeGreaterThanOrEqual(busyTimeoutMs);
    expect(answer.ms).toBeLessThan(busyTimeoutMs + 1000);
    expect(Math.max(...durations.health, ...durations.me)).toBeLessThan(RESPONSIVE_MS);
    console.info(`busy timeout ${busyTimeoutMs} ms: 503 after ${answer.ms.toFixed(0)} ms`);

    await holder.release();
    expect((await register(server, "accepted@example.com")).status).toBe(201);
    expect((await timed(server, "/users/me", { headers: bearer(token) })).status).toBe(200);
  });
});
