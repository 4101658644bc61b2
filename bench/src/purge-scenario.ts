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
 * last round (the purges run after every other scenario) adds the expired rows (not timed), measures `/users/me` idle, then purges
 * them as `schedulePurge` does by default (batches of 1,000 rows, deleting half of the time at
 * most) from this process while one wrk run loads `/users/me` until the purge ends. Earlier
 * rounds measure nothing (filling 10^6 rows each round would take minutes). Three rows: idle,
 * during, and the purge itself (rows per second; p50 and p99 hold its duration in ms).
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
      let round = 0;
      return {
        async measure() {
          // The last round only, and last in it: what the purge leaves behind (InnoDB's purge
          // thread, PostgreSQL's autovacuum) would slow every scenario measured after it.
          if (++round < settings.rounds) return [];
          const expired = await addExpiredSessions(databaseUrl);
          // The insert's aftermath (checkpoints, autovacuum, cold pages) is not the purge's:
          // load the server until it settles before the idle measurement.
          await runWrk({ ...load, seconds: settings.warmupSeconds });
          const idle = await runWrk({ ...load, seconds: settings.seconds });
          const started = performance.now();
          const purging = purge(databaseUrl);
          // One wrk run for the whole purge, ended when it is: the p99 of every request in it.
          const during = await runWrk({ ...load, seconds: 3600, until: purging });
          const deleted = await purging;
          const ms = performance.now() - started;
          const left = await expiredLeft(databaseUrl);
          const rss_mb = await server.peakRssMb();
          const rows: Measurement[] = [
            { name: `${name}/me-idle`, ...figures(idle), rss_mb, errors: idle.errors },
            { name: `${name}/me-during`, ...figures(during), rss_mb, errors: during.errors },
            {
              name: `${name}/purge`,
              rps: deleted / (ms / 1000),
              p50_ms: ms,
              p99_ms: ms,
              rss_mb,
              // Expired rows the purge left (it also deletes the filled sessions once they expire,
              // so it may delete more than it was given: not an error).
              errors: left + Math.max(0, expired - deleted),
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

/** Sessions past the demo's lifetime still in the table. */
async function expiredLeft(url: string): Promise<number> {
  const { db, close } = await connect(url, { statementTimeoutMs: 0 });
  try {
    const { engine } = kyselyAdapter(db).users.schema;
    const lifetimeMs = Number(DEMO_ENV.TESSERA_TOKEN_LIFETIME) * 1000;
    // A minute of margin: sessions that expired while the purge ran are not its misses.
    const bound = engine.encodeDate(new Date(Date.now() - lifetimeMs - 60_000));
    const row = await db
      .selectFrom("accesstoken")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("created_at", "<", bound)
      .executeTakeFirstOrThrow();
    return Number(row.n);
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
