import { sql } from "kysely";
import type { Measurement } from "./measurement.js";
import { DEMO_SERVER } from "./paths.js";
import { DEMO_ENV, expectOk, figures, type Scenario, startServer, warmUp } from "./scenarios.js";
import { connect, DatabaseStrategy, kyselyAdapter } from "./tessera.js";
import { runWrk } from "./wrk.js";

/** Expired sessions per user the scenario adds: with the 100,000 filled users, 10^6 rows. */
const EXPIRED_PER_USER = 10;

export interface PurgeScenarioOptions {
  /** `purge-sqlite`, `purge-postgres`, `purge-mysql`. */
  name: string;
  databaseUrl: string;
  /** The bench user's valid credentials on that database. */
  headers: Record<string, string>;
}

/**
 * A purge of 10^6 expired sessions while `/users/me` is loaded on the same database. The
 * first round adds the expired rows (not timed), measures `/users/me` idle, then purges
 * them in batches of 1,000 (as `tokens purge` and `schedulePurge` do) from this process
 * while wrk keeps loading `/users/me` second by second. Later rounds add nothing (filling
 * 10^6 rows each round would take minutes). Three rows: idle, during (the worst second's
 * p99), and the purge itself (rows per second; p50 and p99 hold its duration in ms).
 */
export function purgeScenario(options: PurgeScenarioOptions): Scenario {
  const { name, databaseUrl, headers } = options;
  return {
    name,
    async start(settings) {
      const env = { ...DEMO_ENV, DATABASE_URL: databaseUrl };
      const server = await startServer(name, DEMO_SERVER, env, settings);
      const load = { url: `${server.url}/users/me`, headers, cpus: settings.loadCpus };
      await warmUp(server, async () => {
        await expectOk(name, load.url, headers);
        await runWrk({ ...load, seconds: settings.warmupSeconds });
      });
      let done = false;
      return {
        async measure() {
          if (done) return [];
          done = true;
          const expired = await addExpiredSessions(databaseUrl);
          const idle = await runWrk({ ...load, seconds: settings.seconds });
          const started = performance.now();
          let purgeDone = false;
          const purging = purge(databaseUrl).finally(() => {
            purgeDone = true;
          });
          const during: Awaited<ReturnType<typeof runWrk>>[] = [];
          while (!purgeDone) during.push(await runWrk({ ...load, seconds: 1 }));
          const deleted = await purging;
          const ms = performance.now() - started;
          const worst = during.reduce((a, b) => (b.p99_ms > a.p99_ms ? b : a), idle);
          const requests = during.reduce((sum, run) => sum + run.requests, 0);
          const seconds = during.reduce((sum, run) => sum + run.seconds, 0);
          const rss_mb = await server.peakRssMb();
          const rows: Measurement[] = [
            { name: `${name}/me-idle`, ...figures(idle), rss_mb, errors: idle.errors },
            {
              name: `${name}/me-during`,
              rps: seconds > 0 ? requests / seconds : 0,
              p50_ms: worst.p50_ms,
              p99_ms: worst.p99_ms,
              rss_mb,
              errors: during.reduce((sum, run) => sum + run.errors, 0),
            },
            {
              name: `${name}/purge`,
              rps: deleted / (ms / 1000),
              p50_ms: ms,
              p99_ms: ms,
              rss_mb,
              errors: Math.abs(deleted - expired),
            },
          ];
          return rows;
        },
        stop: () => server.stop(),
      };
    },
  };
}

/** Adds EXPIRED_PER_USER sessions created two days ago for every user, in one statement; returns how many. */
async function addExpiredSessions(url: string): Promise<number> {
  const { db, close } = await connect(url, { statementTimeoutMs: 0 });
  try {
    const { engine } = kyselyAdapter(db).users.schema;
    const createdAt = engine.encodeDate(new Date(Date.now() - 2 * 24 * 3600_000));
    const times = Array.from({ length: EXPIRED_PER_USER }, (_, i) => i + 1);
    const numbers = sql.join(
      times.map((i) => sql`select ${sql.lit(i)} as i`),
      sql` union all `,
    );
    // A 43-character stand-in for a token's SHA-256, random per row, in each engine's own functions.
    const token = url.startsWith("sqlite:")
      ? sql`substr(hex(randomblob(22)), 1, 43)`
      : url.startsWith("postgres")
        ? sql`substr(md5(random()::text) || md5(random()::text), 1, 43)`
        : sql`substr(concat(md5(rand()), md5(rand())), 1, 43)`;
    const result = await sql`insert into accesstoken (token, user_id, created_at, security_stamp)
      select ${token}, u.id, ${createdAt}, 0 from ${sql.table("user")} u
      cross join (${numbers}) n`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  } finally {
    await close();
  }
}

/** `DatabaseStrategy.purgeExpired` with the demo's lifetime, from its own connection; returns how many went. */
async function purge(url: string): Promise<number> {
  const { db, close } = await connect(url, { statementTimeoutMs: 0 });
  try {
    const lifetimeSeconds = Number(DEMO_ENV.TESSERA_TOKEN_LIFETIME);
    return await new DatabaseStrategy(kyselyAdapter(db).accessTokens, {
      lifetimeSeconds,
    }).purgeExpired();
  } finally {
    await close();
  }
}
