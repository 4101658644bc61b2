import { SqliteDialect, type SqliteStatement } from "kysely";

/** The slice of a better-sqlite3 `Database` tessera uses. */
export interface BetterSqliteDatabase {
  readonly memory: boolean;
  prepare(sql: string): SqliteStatement;
  pragma(source: string): unknown;
  close(): unknown;
}

export interface SqliteDialectOptions {
  /** Milliseconds a write waits for another process's lock before failing. @default 5000 */
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
 * WAL journal (readers never wait for the writer), a busy timeout (no
 * "database is locked" when a CLI or a second process writes), foreign keys on
 * (so deleting a user deletes its tokens), a page cache sized for a server,
 * and prepared statements reused instead of prepared on every query.
 *
 * @example
 * import Database from "better-sqlite3";
 * const db = new Kysely({ dialect: createSqliteDialect(new Database("tessera.db")) });
 */
export function createSqliteDialect(
  database: BetterSqliteDatabase,
  options: SqliteDialectOptions = {},
): SqliteDialect {
  const { busyTimeout = 5000, statementCacheSize = 256, cacheSizeKiB = 32768 } = options;
  if (!database.memory) database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeout))}`);
  database.pragma("foreign_keys = ON");
  database.pragma("synchronous = NORMAL");
  // A negative cache_size is in KiB rather than pages.
  database.pragma(`cache_size = ${-Math.max(0, Math.trunc(cacheSizeKiB))}`);

  const statements = new Map<string, SqliteStatement>();
  return new SqliteDialect({
    database: {
      prepare(sql) {
        let statement = statements.get(sql);
        if (statement === undefined) {
          statement = database.prepare(sql);
          // Oldest first out: Map iterates in insertion order.
          if (statements.size >= statementCacheSize) {
            statements.delete(statements.keys().next().value as string);
          }
          statements.set(sql, statement);
        }
        return statement;
      },
      close() {
        statements.clear();
        database.close();
      },
    },
  });
}
