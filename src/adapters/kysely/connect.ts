import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect } from "kysely";
import { createSqliteDialect } from "./sqlite-dialect.js";

/** A Kysely instance opened from a URL, and the engine it speaks. */
export interface Connection {
  readonly db: Kysely<any>;
  readonly engine: "sqlite" | "postgres" | "mysql";
  /** Closes the pool or file. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Connections kept by the pool (PostgreSQL, MySQL). @default 10 */
  poolSize?: number;
  /** Milliseconds to wait for a new connection before the request fails with a 503. @default 5000 */
  connectTimeoutMs?: number;
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
 * killed, the next query opens a new connection.
 *
 * @example
 * const { db, close } = await connect(process.env.DATABASE_URL ?? "sqlite:tessera.db");
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Connection> {
  const scheme = url.slice(0, url.indexOf(":") + 1).toLowerCase();
  switch (scheme) {
    case "sqlite:":
      return connectSqlite(sqlitePath(url));
    case "postgres:":
    case "postgresql:":
      return connectPostgres(url, options);
    case "mysql:":
    case "mariadb:":
      return connectMysql(`mysql:${url.slice(scheme.length)}`, options);
    default:
      throw new TypeError(
        `Unsupported DATABASE_URL scheme "${scheme || redact(url)}": use sqlite:<path>, ` +
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

async function connectSqlite(path: string): Promise<Connection> {
  const { default: Database } = await importDriver<{ default: typeof import("better-sqlite3") }>(
    "better-sqlite3",
  );
  const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(path)) });
  return { db, engine: "sqlite", close: () => db.destroy() };
}

async function connectPostgres(url: string, options: ConnectOptions): Promise<Connection> {
  const { Pool } = await importDriver<typeof import("pg")>("pg");
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
  });
  // A connection killed by the server (restart, pg_terminate_backend) emits
  // 'error': on the pool while idle, on the client while checked out. Without
  // listeners that event would crash the process. The query in flight fails
  // (503), and the pool drops the dead client and opens a new one when needed.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: "postgres", close: () => db.destroy() };
}

async function connectMysql(url: string, options: ConnectOptions): Promise<Connection> {
  const { createPool } = await importDriver<typeof import("mysql2")>("mysql2");
  const pool = createPool({
    uri: url,
    connectionLimit: options.poolSize ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    enableKeepAlive: true,
    // DATETIME is naive: the driver must neither shift what it writes nor what it reads.
    timezone: "Z",
    dateStrings: ["DATETIME", "TIMESTAMP"],
  });
  const db = new Kysely<any>({
    dialect: new MysqlDialect({
      pool,
      // TIMESTAMP columns (FastAPI Users' created_at) and NOW() follow the session zone.
      onCreateConnection: (connection) =>
        connection.executeQuery(CompiledQuery.raw("set time_zone = '+00:00'")).then(() => {}),
    }),
  });
  return { db, engine: "mysql", close: () => db.destroy() };
}

async function importDriver<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new Error(`The driver "${name}" is needed for this DATABASE_URL: npm install ${name}`, {
      cause: error,
    });
  }
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
}
