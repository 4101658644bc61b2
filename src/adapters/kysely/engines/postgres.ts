import { sql } from "kysely";
import { DatabaseTimeoutError } from "../database-timeout-error.js";
import { errorCode, errorMessage, isNetworkError } from "../driver-errors.js";
import type { Engine } from "../engine.js";
import { parseUtcDateTime } from "../utc-datetime.js";

/**
 * SQLSTATEs of a server that is going away or not taking connections, and of
 * a statement it cancelled (`statement_timeout`).
 */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300", "57014"]);

/**
 * node-postgres and pg-pool messages for a lost or unobtainable connection
 * (they carry no code); "timeout expired" is the client's connection timeout.
 */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Connection timeout|Cannot use a pool after calling end|^timeout expired$/i;

/**
 * PostgreSQL through node-postgres: native `uuid`, `timestamptz` (an instant,
 * so no timezone can shift an expiry), real booleans, identity columns for
 * integer ids, and a unique index on `lower(email)`.
 */
export const postgresEngine: Engine = {
  name: "postgres",
  uuidType: "uuid",
  tokenType: "varchar(43)",
  stringType: (maxLength) => sql`varchar(${sql.raw(String(maxLength))})`,
  // The database's collation is deterministic: equal means the same characters.
  exactStringType: async (_db, maxLength) => sql`varchar(${sql.raw(String(maxLength))})`,
  asciiType: (maxLength) => sql`varchar(${sql.raw(String(maxLength))})`,
  timestampType: "timestamptz",
  integerPrimaryKey: (column) => column.generatedByDefaultAsIdentity().primaryKey(),
  clusterByPrimaryKey: (table) => table,
  caseInsensitiveEmail: "lower-index",
  emailType: async () => "varchar(320)",
  lockingReads: true,
  supportsReturning: true,
  upsert: "on-conflict",
  transactionalMigrations: true,
  // Kysely's Migrator already holds an advisory lock and runs in one transaction.
  runMigrations: (db, migrate) => migrate(db),
  // FastAPI Users' columns are tessera's here: GUID/CHAR(36) or uuid, TIMESTAMP text or timestamptz.
  adoptColumns: async () => {},
  // varchar(1024) to text changes no stored byte: no rewrite of the table.
  async adoptOAuthAccountColumns(db, table) {
    await sql`alter table ${sql.table(table)}
      alter column access_token type text,
      alter column refresh_token type text`.execute(db);
  },
  encodeDate: (date) => date.toISOString(),
  decodeDate: parseUtcDateTime,
  encodeBoolean: (value) => value,
  async hasIndex(db, table, index) {
    const { rows } = await sql`select 1 from pg_indexes
      where schemaname = current_schema() and tablename = ${table} and indexname = ${index}`.execute(
      db,
    );
    return rows.length > 0;
  },
  async explain(db, query) {
    const { rows } = await db.executeQuery<{ "QUERY PLAN": string }>({
      ...query,
      sql: `explain ${query.sql}`,
    });
    const lines = rows.map((row) => row["QUERY PLAN"]);
    const fullScans = lines.flatMap((line) => {
      const match = /Seq Scan on "?([^"\s]+)"?(?: (\w+))?/.exec(line);
      return match ? [match[2] ?? match[1] ?? ""] : [];
    });
    return { text: lines.join("\n"), fullScans };
  },
  isForeignKeyViolation: (error) => errorCode(error) === "23503",
  isUniqueViolation: (error) => errorCode(error) === "23505",
  // undefined_table, undefined_column
  isMissingSchema: (error) => ["42P01", "42703"].includes(errorCode(error) ?? ""),
  isUnavailable(error) {
    const code = errorCode(error) ?? "";
    return (
      error instanceof DatabaseTimeoutError ||
      isNetworkError(error) ||
      code.startsWith("08") ||
      UNAVAILABLE_STATES.has(code) ||
      UNAVAILABLE_MESSAGES.test(errorMessage(error))
    );
  },
};
