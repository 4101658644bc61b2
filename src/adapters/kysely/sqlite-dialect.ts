import {
  type Dialect,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type SqliteStatement,
} from "kysely";
import { BetterSqliteDriver } from "./better-sqlite-driver.js";
import { registerImmediateExecutor } from "./immediate-executor.js";

/** The slice of a better-sqlite3 `Database` tessera uses. */
export interface BetterSqliteDatabase {
  readonly memory: boolean;
  /** Whether a transaction is open (`begin` run, no `commit` or `rollback` yet). */
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  pragma(source: string): unknown;
  close(): unknown;
}

export interface SqliteDialectOptions {
  /**
   * Milliseconds a write waits for another process's lock before failing
   * with SQLITE_BUSY (a 503). The wait is asynchronous: the server keeps
   * answering meanwhile. Inside a transaction a locked database fails at once.
   * @default 5000
   */
  busyTimeout?: number;
  /** Prepared statements kept for reuse. @default 256 */
  statementCacheSize?: number;
  /**
   * Most KiB of database pages SQLite keeps in memory, filled only as pages
   * are read. SQLite's own default (2 MiB) is sized for embedded devices; a
   * server with many live sessions reads fewer pages from the OS with more.
   * @default 32768 (32 MiB)
   */
  cacheSizeKiB?: number;
}

/**
 * A Kysely SQLite dialect over a better-sqlite3 database, set up for a server:
 * WAL journal (readers never wait for the writer), lock waits that never block
 * the event loop (a write finding the file locked by a CLI or a second process
 * retries on timers for `busyTimeout` ms, where SQLite's own busy timeout
 * would freeze the process), foreign keys on (so deleting a user deletes its
 * tokens), a page cache sized for a server, and prepared statements reused
 * instead of prepared on every query.
 *
 * It sets the database's `busy_timeout` to 0: give it a `Database` of its own.
 *
 * @example
 * import Database from "better-sqlite3";
 * const db = new Kysely({ dialect: createSqliteDialect(new Database("tessera.db")) });
 */
export function createSqliteDialect(
  database: BetterSqliteDatabase,
  options: SqliteDialectOptions = {},
): Dialect {
  return sqliteDialect(database, options, () => {});
}

/**
 * A Kysely instance over the database with {@link createSqliteDialect}'s
 * dialect, whose token lookups run without Kysely's executor when the
 * connection is free (see {@link ImmediateExecutor}).
 */
export function openSqliteKysely(
  database: BetterSqliteDatabase,
  options: SqliteDialectOptions = {},
): Kysely<any> {
  let driver: BetterSqliteDriver | undefined;
  const db = new Kysely<any>({
    dialect: sqliteDialect(database, options, (created) => {
      driver = created;
    }),
  });
  if (driver) registerImmediateExecutor(db, driver);
  return db;
}

function sqliteDialect(
  database: BetterSqliteDatabase,
  options: SqliteDialectOptions,
  onDriver: (driver: BetterSqliteDriver) => void,
): Dialect {
  const { busyTimeout = 5000, statementCacheSize = 256, cacheSizeKiB = 32768 } = options;
  if (!database.memory) database.pragma("journal_mode = WAL");
  // SQLite's busy handler sleeps in this thread; the driver waits on timers instead.
  database.pragma("busy_timeout = 0");
  database.pragma("foreign_keys = ON");
  database.pragma("synchronous = NORMAL");
  // A negative cache_size is in KiB rather than pages.
  database.pragma(`cache_size = ${-Math.max(0, Math.trunc(cacheSizeKiB))}`);

  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => {
      const driver = new BetterSqliteDriver(database, {
        busyTimeout: Math.max(0, Math.trunc(busyTimeout)),
        statementCacheSize,
      });
      onDriver(driver);
      return driver;
    },
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => new SqliteIntrospector(db),
  };
}
