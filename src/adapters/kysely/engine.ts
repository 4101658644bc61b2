import {
  type ColumnDataType,
  type Kysely,
  MysqlAdapter,
  PostgresAdapter,
  SqliteAdapter,
} from "kysely";
import { sqliteEngine } from "./engines/sqlite.js";

/**
 * What differs between SQL engines, declared once per engine so the adapter's
 * queries read the same everywhere (Kysely's capability-flag habit).
 */
export interface Engine {
  readonly name: "sqlite" | "postgres" | "mysql";
  /** Column type of UUID ids. */
  readonly uuidType: ColumnDataType;
  /** Column type of `created_at`. */
  readonly timestampType: ColumnDataType;
  /** `INSERT … RETURNING` works. */
  readonly supportsReturning: boolean;
  /** A Date as the driver binds it, in UTC. */
  encodeDate(date: Date): unknown;
  /** A `created_at` value as the driver returns it. */
  decodeDate(value: unknown): Date;
  /** A boolean as the driver binds it. */
  encodeBoolean(value: boolean): unknown;
  /** The error is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** The error means the database is unreachable or dropped the connection (answer 503, retry later). */
  isUnavailable(error: unknown): boolean;
}

/** The engine behind a Kysely instance, from its dialect's adapter. */
export function engineOf(db: Kysely<unknown>): Engine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return sqliteEngine;
  if (adapter instanceof PostgresAdapter || adapter instanceof MysqlAdapter) {
    throw new TypeError(`tessera/kysely: ${adapter.constructor.name} is not supported yet`);
  }
  throw new TypeError("tessera/kysely supports the SQLite, PostgreSQL and MySQL dialects");
}

/** The `code` property of a driver error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
