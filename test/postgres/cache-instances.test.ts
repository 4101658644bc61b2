import { sql } from "kysely";
import { connect } from "tessera-auth/kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  channelOutage,
  describeLatencies,
  register,
  revocationRounds,
  startCachedPair,
} from "../support/cache-instances.js";
import type { DemoProcess } from "../support/demo-process.js";
import { freshDatabaseUrl } from "../support/test-database.js";

let url: string;
let a: DemoProcess;
let b: DemoProcess;

beforeAll(async () => {
  url = await freshDatabaseUrl();
  [a, b] = await startCachedPair(url);
  await register(a, "ada@example.com");
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

it("two demo processes with TESSERA_CACHE=1 on PostgreSQL: a logout on A is refused by B within the bound (LISTEN/NOTIFY), 20 rounds", async () => {
  const visibleAfter = await revocationRounds(a, b, "ada@example.com", 20);
  console.info(`postgres, two processes: B refused after ${describeLatencies(visibleAfter)}`);
  expect(visibleAfter).toHaveLength(20);
});

it("B's LISTEN connection killed: B bypasses its cache and refuses a revoked token; reconnected, the cache resumes", async () => {
  const admin = await connect(url);
  try {
    await channelOutage(a, b, "ada@example.com", {
      async kill() {
        const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
          where application_name = 'tessera-revocations' and datname = current_database()`.execute(
          admin.db,
        );
        expect(rows.length).toBe(2);
        // Both instances listen; the one B holds is not told apart, so both go. B must bypass.
        await sql`select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'tessera-revocations' and datname = current_database()`.execute(
          admin.db,
        );
      },
      async restore() {
        // Nothing to do: the channel reconnects by itself.
      },
    });
  } finally {
    await admin.close();
  }
});
