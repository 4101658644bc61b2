import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, sql } from "kysely";
import { inject } from "vitest";
import type { EngineName } from "./engines.js";
import { serverUrl, urlForDatabase } from "./engines.js";
import { createDatabase, dropDatabase, runDatabasePrefix, withServer } from "./server-databases.js";

/** The engine this test file runs on: its project's, SQLite outside a project. */
export const ENGINE = (process.env.TESSERA_TEST_ENGINE ?? "sqlite") as EngineName;

let workerUrl: Promise<string> | undefined;

/**
 * A database of this engine for this test worker alone, so parallel workers
 * never share state: `sqlite::memory:` (a new one per connection), or
 * `<base>_r<run>_w<worker>` on the PostgreSQL or MySQL test server, created on
 * first use and dropped at the end of the run.
 */
export function workerDatabaseUrl(): Promise<string> {
  if (ENGINE === "sqlite") return Promise.resolve("sqlite::memory:");
  const engine = ENGINE;
  workerUrl ??= (async () => {
    const name = `${runDatabasePrefix(engine)}${inject("engine").runId}_w${process.env.VITEST_POOL_ID ?? "0"}`;
    await withServer(engine, (db) => createDatabase(db, engine, name));
    return urlForDatabase(serverUrl(engine), name);
  })();
  return workerUrl;
}

/** Deletes every row of the tables, in order (children first). */
export async function emptyTables(db: Kysely<any>, tables: string[]): Promise<void> {
  for (const table of tables) await sql`delete from ${sql.table(table)}`.execute(db);
}

let fresh = 0;

/**
 * A new, empty database for one test: a SQLite file in a new temporary
 * directory, or a new database on the test server (dropped with the run's
 * others). For tests of migrations and of several processes sharing one database.
 */
export async function freshDatabaseUrl(): Promise<string> {
  if (ENGINE === "sqlite") {
    const directory = await mkdtemp(join(tmpdir(), "tessera-db-"));
    return `sqlite:${join(directory, "app.db")}`;
  }
  const engine = ENGINE;
  fresh += 1;
  const worker = process.env.VITEST_POOL_ID ?? "0";
  const name = `${runDatabasePrefix(engine)}${inject("engine").runId}_w${worker}_${fresh}`;
  await withServer(engine, async (db) => {
    await dropDatabase(db, engine, name);
    await createDatabase(db, engine, name);
  });
  return urlForDatabase(serverUrl(engine), name);
}
