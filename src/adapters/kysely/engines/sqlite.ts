import { type Kysely, sql } from "kysely";
import { errorCode, errorMessage } from "../driver-errors.js";
import type { Engine } from "../engine.js";
import { formatUtcDateTime, parseUtcDateTime } from "../utc-datetime.js";

/** How long a process waits for another one's migrations before giving up. */
const MIGRATION_WAIT_MS = 120_000;

/**
 * SQLite through better-sqlite3. Dates are stored as naive UTC text in
 * SQLAlchemy's format (`2026-01-31 12:00:00.000000`), as FastAPI Users writes
 * them, so both can share a database and text order is time order.
 */
export const sqliteEngine: Engine = {
  name: "sqlite",
  uuidType: "char(36)",
  tokenType: "varchar(43)",
  stringType: () => "text",
  // SQLite compares text byte for byte (BINARY) unless told otherwise.
  exactStringType: async (_db, maxLength) => sql`varchar(${sql.raw(String(maxLength))})`,
  asciiType: (maxLength) => sql`varchar(${sql.raw(String(maxLength))})`,
  timestampType: "text",
  integerPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  clusterByPrimaryKey: (table) => table.modifyEnd(sql`without rowid`),
  caseInsensitiveEmail: "lower-index",
  emailType: async () => "varchar(320)",
  lockingReads: false,
  supportsReturning: true,
  upsert: "on-conflict",
  transactionalMigrations: true,
  // Kysely's Migrator takes no lock on SQLite and runs each statement on its
  // own; `begin immediate` takes the file's write lock first (a second process
  // waits on the busy timeout) and makes the whole run one transaction.
  async runMigrations(db, migrate) {
    return db.connection().execute(async (connection) => {
      const previous = await busyTimeout(connection);
      await sql
        .raw(`pragma busy_timeout = ${Math.max(previous, MIGRATION_WAIT_MS)}`)
        .execute(connection);
      try {
        await sql`begin immediate`.execute(connection);
        try {
          const result = await migrate(connection);
          await sql`commit`.execute(connection);
          return result;
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
      } finally {
        await sql.raw(`pragma busy_timeout = ${previous}`).execute(connection);
      }
    });
  },
  // FastAPI Users' columns are tessera's here: GUID/CHAR(36) or uuid, TIMESTAMP text or timestamptz.
  adoptColumns: async () => {},
  // Text of any length fits any column, and comparisons are exact already.
  adoptOAuthAccountColumns: async () => {},
  encodeDate: formatUtcDateTime,
  decodeDate: parseUtcDateTime,
  encodeBoolean(value) {
    return value ? 1 : 0;
  },
  async hasIndex(db, table, index) {
    const { rows } = await sql`select 1 from sqlite_master
      where type = 'index' and tbl_name = ${table} and name = ${index}`.execute(db);
    return rows.length > 0;
  },
  async explain(db, query) {
    const { rows } = await db.executeQuery<{ detail: string }>({
      ...query,
      sql: `explain query plan ${query.sql}`,
    });
    const lines = rows.map((row) => row.detail);
    const fullScans = lines.flatMap((line) => /^SCAN (\S+)/.exec(line)?.[1] ?? []);
    return { text: lines.join("\n"), fullScans };
  },
  isForeignKeyViolation: (error) => errorCode(error) === "SQLITE_CONSTRAINT_FOREIGNKEY",
  isUniqueViolation(error) {
    const code = errorCode(error);
    return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
  },
  isMissingSchema: (error) =>
    /^(no such (table|column)|table \S+ has no column named)/.test(errorMessage(error)),
  isUnavailable(error) {
    const code = errorCode(error) ?? "";
    return (
      code.startsWith("SQLITE_BUSY") ||
      code.startsWith("SQLITE_LOCKED") ||
      code.startsWith("SQLITE_IOERR") ||
      code.startsWith("SQLITE_CANTOPEN") ||
      code === "SQLITE_FULL" ||
      (error instanceof TypeError && /database connection is not open/.test(error.message))
    );
  },
};

async function busyTimeout(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
  return Number(rows[0]?.timeout ?? 0);
}
