import { DrizzleQueryError, gte, is, type SQL } from "drizzle-orm";
import { MySqlDialect } from "drizzle-orm/mysql-core";
import { PgDialect } from "drizzle-orm/pg-core";
import { SQLiteAsyncDialect, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { DatabaseNotMigrated, DatabaseUnavailableError } from "../../core/errors.js";
import type { LookupPlan } from "../../testing/factory.js";
import { errorMessage, isDeadlock } from "../kysely/driver-errors.js";
import type { Engine } from "../kysely/engine.js";
import { mysqlEngine } from "../kysely/engines/mysql.js";
import { postgresEngine } from "../kysely/engines/postgres.js";
import { sqliteEngine } from "../kysely/engines/sqlite.js";
import type { DrizzleEngine } from "./tables.js";

/** A Drizzle database of any of the three engines (its query builders differ only in types). */
// biome-ignore lint/suspicious/noExplicitAny: the three engines' databases share no usable type.
export type AnyDrizzle = any;

/**
 * The engine behind a Drizzle database: SQLite through better-sqlite3 (a
 * synchronous driver), PostgreSQL through node-postgres, MySQL/MariaDB through
 * mysql2. Its traits (dates in UTC, error codes) are the Kysely adapter's,
 * as the tables are the same.
 */
export function engineOfDrizzle(db: AnyDrizzle): { name: DrizzleEngine; traits: Engine } {
  const dialect = db?.dialect;
  if (is(dialect, SQLiteSyncDialect)) return { name: "sqlite", traits: sqliteEngine };
  if (is(dialect, PgDialect)) return { name: "postgres", traits: postgresEngine };
  if (is(dialect, MySqlDialect)) return { name: "mysql", traits: mysqlEngine };
  if (is(dialect, SQLiteAsyncDialect)) {
    throw new TypeError("tessera-auth/drizzle runs SQLite through better-sqlite3 only");
  }
  throw new TypeError(
    "tessera-auth/drizzle supports Drizzle's SQLite, PostgreSQL and MySQL databases",
  );
}

/** Runs of a call that a deadlock may cost before its error goes up. */
const DEADLOCK_ATTEMPTS = 5;

/**
 * Runs a database call as the Kysely adapter's `guard` does: an unreachable
 * database becomes {@link DatabaseUnavailableError} (HTTP 503), a deadlock
 * victim runs again. Drizzle's `DrizzleQueryError` is unwrapped to the
 * driver's error: its message carries the query's parameters (token hashes),
 * which have no place in a log.
 */
export async function guard<T>(engine: Engine, call: () => Promise<T> | T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const cause = driverError(error);
      if (attempt < DEADLOCK_ATTEMPTS && isDeadlock(cause)) continue;
      throw guardedCause(engine, cause);
    }
  }
}

/** What {@link guard} makes of an error thrown at once (no retry: a read on SQLite meets no deadlock). */
export function guardedNow(engine: Engine, error: unknown): unknown {
  return guardedCause(engine, driverError(error));
}

/** A driver's error as tessera reports it: unavailable (503), not migrated, or itself. */
function guardedCause(engine: Engine, cause: unknown): unknown {
  if (engine.isUnavailable(cause)) return new DatabaseUnavailableError({ cause });
  if (engine.isMissingSchema(cause)) {
    return new DatabaseNotMigrated(errorMessage(cause), undefined, { cause });
  }
  return cause;
}

/** The driver's error behind a Drizzle error. */
export function driverError(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause ? error.cause : error;
}

/** A token row created at or after `notBefore` (no condition for `null`): the expiry bound. */
export function createdSince(
  // biome-ignore lint/suspicious/noExplicitAny: a token table of any engine.
  table: any,
  notBefore: Date | null,
  engine: Engine,
): SQL | undefined {
  return notBefore === null ? undefined : gte(table.created_at, engine.encodeDate(notBefore));
}

/** Rows a write touched, from any of the drivers' results. */
export function affectedRows(result: unknown): number {
  if (Array.isArray(result)) return affectedRows(result[0]); // mysql2: [ResultSetHeader, fields]
  const counts = result as { changes?: number; rowCount?: number; affectedRows?: number };
  return Number(counts.changes ?? counts.rowCount ?? counts.affectedRows ?? 0);
}

/** How the engine would run `query`; `fullScans` names the tables it reads in full. */
export async function explain(
  db: AnyDrizzle,
  engine: DrizzleEngine,
  query: { toSQL(): { sql: string; params: unknown[] } },
): Promise<LookupPlan> {
  // Through the driver: Drizzle would wrap the query in parentheses inside `explain`.
  const { sql: text, params } = query.toSQL();
  const client = db.$client;
  if (engine === "sqlite") {
    const rows: { detail: string }[] = client.prepare(`explain query plan ${text}`).all(...params);
    const lines = rows.map((row) => row.detail);
    return {
      text: lines.join("\n"),
      fullScans: lines.flatMap((line) => /^SCAN (\S+)/.exec(line)?.[1] ?? []),
    };
  }
  if (engine === "postgres") {
    const { rows } = await client.query(`explain ${text}`, params);
    const lines = (rows as { "QUERY PLAN": string }[]).map((row) => row["QUERY PLAN"]);
    const fullScans = lines.flatMap((line) => {
      const match = /Seq Scan on "?([^"\s]+)"?(?: (\w+))?/.exec(line);
      return match ? [match[2] ?? match[1] ?? ""] : [];
    });
    return { text: lines.join("\n"), fullScans };
  }
  const [rows] = await client.query(`explain ${text}`, params);
  const plan = rows as { table: string; type: string | null; key: string }[];
  return {
    text: plan.map((row) => `${row.table}: ${row.type} using ${row.key}`).join("\n"),
    fullScans: plan.filter((row) => row.type === "ALL").map((row) => row.table),
  };
}
