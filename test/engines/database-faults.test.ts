import { type Kysely, sql } from "kysely";
import { DatabaseUnavailableError } from "tessera-auth";
import { connect } from "tessera-auth/kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { engineOf } from "../../src/adapters/kysely/engine.js";
import { guard } from "../../src/adapters/kysely/guard.js";
import { bearer, expectDetail, TestServer } from "../http/harness.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { ENGINE, workerDatabaseUrl } from "../support/test-database.js";

/** `GET /users/me`, failing the test instead of hanging if no answer comes within 10 s. */
function me(server: TestServer, token: string): Promise<Response> {
  return server.fetch("/users/me", { headers: bearer(token), signal: AbortSignal.timeout(10_000) });
}

/** The timeouts of the black-hole test: small, so that the test is quick. */
const TIMEOUT_MS = 1000;

/** The longest of them: a statement sent to a silent server is given a tenth more. */
const SILENT_STATEMENT_MS = TIMEOUT_MS * 1.1;

/** What a 503 may take beyond its timeout: the request's own work on a busy 2-core machine. */
const SLACK_MS = 400;

/** Polls until a request succeeds (the pool has reconnected), at most `attempts` times. */
async function firstSuccess(server: TestServer, token: string, attempts = 50): Promise<number> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const response = await me(server, token);
    expect([200, 503]).toContain(response.status);
    if (response.status === 200) return attempt;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no success after ${attempts} attempts`);
}

/** Kills every server-side session of the current database but the caller's own. */
async function killOtherSessions(admin: Kysely<any>): Promise<number> {
  if (ENGINE === "postgres") {
    const { rows } = await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()`.execute(admin);
    return rows.length;
  }
  const { rows } = await sql<{ id: number }>`select id from information_schema.processlist
    where db = database() and id <> connection_id()`.execute(admin);
  for (const { id } of rows) await sql.raw(`kill ${Number(id)}`).execute(admin);
  return rows.length;
}

describe(`database faults on ${ENGINE}`, () => {
  let admin: Awaited<ReturnType<typeof connect>>;
  beforeEach(async () => {
    admin = await connect(await workerDatabaseUrl(), { poolSize: 1 });
  });
  afterEach(async () => {
    await admin.close();
  });

  it("server-side connections killed while serving: 200 or 503, never 500 or a hang; then 200 again", async () => {
    const server = await TestServer.start();
    try {
      const { token } = await server.user();
      await Promise.all(Array.from({ length: 8 }, () => me(server, token)));
      const [killed, ...during] = await Promise.all([
        killOtherSessions(admin.db),
        ...Array.from({ length: 16 }, () => me(server, token)),
      ]);
      expect(killed).toBeGreaterThan(0);
      for (const response of during) expect([200, 503]).toContain(response.status);
      await firstSuccess(server, token);
      const after = await Promise.all(Array.from({ length: 8 }, () => me(server, token)));
      expect(after.map((response) => response.status)).toEqual(Array(8).fill(200));
    } finally {
      await server.close();
    }
  });

  it("the database unreachable: 503 with Retry-After at once; served again when it returns", async () => {
    const url = new URL(await workerDatabaseUrl());
    const proxy = await TcpProxy.start(url.hostname, Number(url.port));
    url.port = String(proxy.port);
    const server = await TestServer.start({ databaseUrl: url.toString() });
    try {
      const { token } = await server.user("faults@example.com");
      expect((await me(server, token)).status).toBe(200);

      await proxy.cut();
      for (let n = 0; n < 5; n++) {
        const response = await me(server, token);
        await expectDetail(response, 503, "Service Unavailable");
        expect(response.headers.get("retry-after")).toBe("1");
      }
      const login = await server.fetch("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: "faults@example.com", password: "x" }),
      });
      expect(login.status).toBe(503);

      await proxy.restore();
      await firstSuccess(server, token);
      expect((await me(server, token)).status).toBe(200);
    } finally {
      await server.close();
      await proxy.close();
    }
  });

  it(`the database black-holed (connections accepted, nothing answered): 503 with Retry-After within the timeouts (${TIMEOUT_MS} ms, a tenth more for a statement), every time; served again when it answers, without a restart`, async () => {
    const url = new URL(await workerDatabaseUrl());
    const proxy = await TcpProxy.start(url.hostname, Number(url.port));
    url.port = String(proxy.port);
    const server = await TestServer.start({
      databaseUrl: url.toString(),
      connectOptions: {
        connectTimeoutMs: TIMEOUT_MS,
        acquireTimeoutMs: TIMEOUT_MS,
        statementTimeoutMs: TIMEOUT_MS,
      },
    });
    /** A request, with its status, Retry-After and how long it took. */
    const timed = async (request: () => Promise<Response>) => {
      const started = performance.now();
      const response = await request();
      await response.body?.cancel();
      const { status, headers } = response;
      return { status, retryAfter: headers.get("retry-after"), ms: performance.now() - started };
    };
    const login = () =>
      server.fetch("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: "blackhole@example.com", password: "x" }),
        signal: AbortSignal.timeout(10_000),
      });
    try {
      const { token } = await server.user("blackhole@example.com");
      // Several pooled connections, idle when the silence starts.
      const warm = await Promise.all(Array.from({ length: 4 }, () => me(server, token)));
      expect(warm.map((response) => response.status)).toEqual(Array(4).fill(200));

      await proxy.blackhole();
      const slowest: number[] = [];
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all([
          ...Array.from({ length: 4 }, () => timed(() => me(server, token))),
          timed(login),
        ]);
        for (const answer of answers) {
          expect(answer).toEqual({ status: 503, retryAfter: "1", ms: expect.any(Number) });
          expect(answer.ms).toBeLessThan(SILENT_STATEMENT_MS + SLACK_MS);
        }
        slowest.push(Math.max(...answers.map((answer) => answer.ms)));
      }
      const response = await me(server, token);
      await expectDetail(response, 503, "Service Unavailable");
      console.info(
        `black hole: slowest 503 of each round ${slowest.map(Math.round).join(", ")} ms`,
      );

      await proxy.restore();
      await firstSuccess(server, token);
      const after = await Promise.all(Array.from({ length: 8 }, () => me(server, token)));
      expect(after.map((response) => response.status)).toEqual(Array(8).fill(200));
      expect((await login()).status).toBe(400);
    } finally {
      await server.close();
      await proxy.close();
    }
  });

  it("a runaway statement on a live server: the server cancels it at the statement timeout (503), and the pool keeps its connection", async () => {
    const statementTimeoutMs = 300;
    const { db, close } = await connect(await workerDatabaseUrl(), {
      poolSize: 1,
      statementTimeoutMs,
    });
    const session = () =>
      sql<{
        id: number;
      }>`select ${sql.raw(ENGINE === "postgres" ? "pg_backend_pid()" : "connection_id()")} as id`
        .execute(db)
        .then(({ rows }) => Number(rows[0]?.id));
    try {
      const before = await session();
      const started = performance.now();
      const runaway = guard(engineOf(db), () =>
        sql`select ${sql.raw(ENGINE === "postgres" ? "pg_sleep(5)" : "sleep(5)")}`.execute(db),
      );
      await expect(runaway).rejects.toBeInstanceOf(DatabaseUnavailableError);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(statementTimeoutMs - 5);
      expect(elapsed).toBeLessThan(statementTimeoutMs + 1000);
      expect(await session()).toBe(before);
    } finally {
      await close();
    }
  });
});
