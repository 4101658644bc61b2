import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  MysqlDialect,
  PostgresDialect,
} from "kysely";
import { redactUrl } from "../../core/redact-url.js";
import { importDriver } from "./import-driver.js";
import { openSqliteKysely } from "./sqlite-dialect.js";
import { type Mysql2Pool, TimedMysqlPool } from "./timed-mysql-pool.js";
import { TimedPostgresPool } from "./timed-postgres-pool.js";

/** A Kysely instance opened from a URL, and the engine it speaks. */
export interface Connection {
  readonly db: Kysely<any>;
  readonly engine: "sqlite" | "postgres" | "mysql";
  /** Closes the pool or file. */
  close(): Promise<void>;
}

/**
 * How a database is opened. Every timeout ends in a `DatabaseUnavailableError`
 * (the HTTP layer answers 503 with `Retry-After`), so a database that stops
 * answering costs each request at most a few seconds, never a hang.
 */
export interface ConnectOptions {
  /** Connections kept by the pool (PostgreSQL, MySQL). @default 10 */
  poolSize?: number;
  /**
   * Milliseconds to open a new connection, login included, before giving up
   * (PostgreSQL, MySQL). 0: no limit.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a query waits for a connection from the pool, opening one
   * included, before it fails (PostgreSQL, MySQL). 0: no limit.
   * @default 5000
   */
  acquireTimeoutMs?: number;
  /**
   * Milliseconds a statement may take (PostgreSQL, MySQL). The server cancels
   * it (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`, MySQL
   * `max_execution_time`, reads only) and the connection stays in the pool. A
   * server that does not answer at all is given a tenth longer (at least
   * 100 ms), then the client destroys the connection. 0: no limit, for long
   * migrations.
   * @default 5000
   */
  statementTimeoutMs?: number;
  /**
   * Milliseconds a SQLite statement waits for another process's write lock
   * before failing. The wait runs on timers: the server keeps answering.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

/**
 * Opens a database from a URL, loading its driver on demand (install the one
 * you use: `better-sqlite3`, `pg` or `mysql2`):
 *
 * - `sqlite:path/to/file.db`, `sqlite:///abs/path.db`, `sqlite::memory:`
 * - `postgres://user:password@host:5432/database` (or `postgresql://`)
 * - `mysql://user:password@host:3306/database` (or `mariadb://`)
 *
 * Pools reconnect on their own: after the server restarts or a connection is
 * killed, the next query opens a new connection. A connection whose statement
 * got no answer in time is destroyed, never reused.
 *
 * @example
 * const { db, close } = await connect(process.env.DATABASE_URL ?? "sqlite:tessera.db");
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Connection> {
  const scheme = url.slice(0, url.indexOf(":") + 1).toLowerCase();
  switch (scheme) {
    case "sqlite:":
      return connectSqlite(sqlitePath(url), options);
    case "postgres:":
    case "postgresql:":
      return connectPostgres(url, options);
    case "mysql:":
    case "mariadb:":
      return connectMysql(`mysql:${url.slice(scheme.length)}`, options);
    default:
      throw new TypeError(
        `Unsupported DATABASE_URL scheme "${scheme || redactUrl(url)}": use sqlite:<path>, ` +
          "postgres://user:password@host:5432/database or mysql://user:password@host:3306/database",
      );
  }
}

/** `sqlite:file.db`, `sqlite://file.db` and `sqlite:///abs.db` name files; `sqlite::memory:` is in memory. */
export function sqlitePath(url: string): string {
  const rest = url.slice("sqlite:".length);
  if (rest === ":memory:" || rest === "//:memory:") return ":memory:";
  if (rest.startsWith("///")) return rest.slice(2);
  if (rest.startsWith("//")) return rest.slice(2);
  return rest;
}

async function connectSqlite(path: string, options: ConnectOptions): Promise<Connection> {
  const { default: Database } = await importDriver<{ default: typeof import("better-sqlite3") }>(
    "better-sqlite3",
  );
  const db = openSqliteKysely(new Database(path), { busyTimeout: options.busyTimeoutMs });
  return { db, engine: "sqlite", close: () => db.destroy() };
}

async function connectPostgres(url: string, options: ConnectOptions): Promise<Connection> {
  const { Pool, Client } = await importDriver<typeof import("pg")>("pg");
  const { connectTimeoutMs = 5000, acquireTimeoutMs = 5000, statementTimeoutMs = 5000 } = options;
  // pg-pool hands its own options to each client: the client's connection
  // timeout is set here so the pool's can bound the whole acquire.
  class Connecting extends Client {
    constructor(config?: import("pg").ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    Client: Connecting,
    connectionTimeoutMillis: acquireTimeoutMs,
    statement_timeout: statementTimeoutMs > 0 ? statementTimeoutMs : undefined,
    keepAlive: true,
  });
  // A connection killed by the server (restart, pg_terminate_backend) emits
  // 'error': on the pool while idle, on the client while checked out. Without
  // listeners that event would crash the process. The query in flight fails
  // (503), and the pool drops the dead client and opens a new one when needed.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<any>({
    dialect: new PostgresDialect({
      pool: new TimedPostgresPool(pool, silentServerTimeout(statementTimeoutMs)),
    }),
  });
  return { db, engine: "postgres", close: () => db.destroy() };
}

async function connectMysql(url: string, options: ConnectOptions): Promise<Connection> {
  const { createPool } = await importDriver<typeof import("mysql2")>("mysql2");
  const { connectTimeoutMs = 5000, acquireTimeoutMs = 5000, statementTimeoutMs = 5000 } = options;
  const pool = createPool({
    uri: url,
    connectionLimit: options.poolSize ?? 10,
    connectTimeout: connectTimeoutMs,
    enableKeepAlive: true,
    // DATETIME is naive: the driver must neither shift what it writes nor what it reads.
    timezone: "Z",
    dateStrings: ["DATETIME", "TIMESTAMP"],
  });
  let version: string | undefined;
  const db = new Kysely<any>({
    dialect: new MysqlDialect({
      // mysql2's typings omit the connection's `stream`, which the wrapper destroys.
      pool: new TimedMysqlPool(
        pool as unknown as Mysql2Pool,
        acquireTimeoutMs,
        silentServerTimeout(statementTimeoutMs),
      ),
      async onCreateConnection(connection) {
        version ??= await serverVersion(connection);
        // TIMESTAMP columns (FastAPI Users' created_at) and NOW() follow the session zone.
        let session = "set time_zone = '+00:00'";
        if (statementTimeoutMs > 0)
          session += `, ${statementTimeLimit(version, statementTimeoutMs)}`;
        await connection.executeQuery(CompiledQuery.raw(session));
      },
    }),
  });
  return { db, engine: "mysql", close: () => db.destroy() };
}

/**
 * When the client gives up on a statement: after the server's own timeout, so
 * that a live server cancels first and the connection is kept; destroying it
 * would make a server slow from overload open a new one.
 */
function silentServerTimeout(statementTimeoutMs: number): number {
  if (statementTimeoutMs <= 0) return 0;
  return statementTimeoutMs + Math.max(100, Math.round(statementTimeoutMs / 10));
}

async function serverVersion(connection: DatabaseConnection): Promise<string> {
  const { rows } = await connection.executeQuery<{ version: string }>(
    CompiledQuery.raw("select version() as version"),
  );
  return rows[0]?.version ?? "";
}

/** The session variable that makes the server cancel a long statement. */
function statementTimeLimit(version: string, milliseconds: number): string {
  return /mariadb/i.test(version)
    ? `max_statement_time = ${(milliseconds / 1000).toFixed(3)}`
    : // MySQL: SELECT statements only.
      `max_execution_time = ${Math.trunc(milliseconds)}`;
}
