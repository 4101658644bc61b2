import { type Kysely, sql } from "kysely";
import { DatabaseTimeoutError } from "../database-timeout-error.js";
import { errorCode, errorMessage, isNetworkError } from "../driver-errors.js";
import type { AdoptedTables, Engine } from "../engine.js";
import { formatUtcDateTime, parseUtcDateTime } from "../utc-datetime.js";

/** mysql2 codes for a lost, killed or refused connection, and a server shutting down. */
const UNAVAILABLE_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  "ER_CONNECTION_KILLED",
  "ER_QUERY_INTERRUPTED",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CLIENT_INTERACTION_TIMEOUT",
]);

/**
 * Server error numbers for the same (MariaDB names some differently from
 * MySQL), and for a statement the server cancelled for running too long
 * (MariaDB 1969 `max_statement_time`, MySQL 3024 `max_execution_time`).
 */
const UNAVAILABLE_ERRNOS = new Set([1040, 1053, 1205, 1317, 1927, 1969, 2006, 2013, 3024, 4031]);

const UNAVAILABLE_MESSAGES = /closed state|Connection lost|Pool is closed|connect ETIMEDOUT/i;

/**
 * Case-insensitive collations for `email`, best first: accent-sensitive where
 * the server has one (so `josé` and `jose` stay two addresses, as with
 * `lower()`), else the classic `utf8mb4_unicode_ci`.
 */
const EMAIL_COLLATIONS = ["utf8mb4_uca1400_as_ci", "utf8mb4_0900_as_ci", "utf8mb4_unicode_ci"];

/**
 * Binary collations, best first: those that compare trailing spaces too
 * (`NO PAD`: MySQL 8's `utf8mb4_0900_bin`, MariaDB's `utf8mb4_nopad_bin`),
 * else `utf8mb4_bin`, which ignores them.
 */
const EXACT_COLLATIONS = ["utf8mb4_0900_bin", "utf8mb4_nopad_bin", "utf8mb4_bin"];

/**
 * MySQL and MariaDB through mysql2. `created_at` is `DATETIME(6)` holding UTC
 * (naive, so it is written and read as UTC text, never through a session
 * timezone), booleans are `tinyint(1)`, UUIDs `char(36)`, tokens
 * `ascii_bin` (a token must never match another ignoring case), and emails
 * unique through a case-insensitive collation: MariaDB has no index on an
 * expression.
 */
export const mysqlEngine: Engine = {
  name: "mysql",
  uuidType: "char(36)",
  tokenType: sql`varchar(43) character set ascii collate ascii_bin`,
  // utf8mb4 whatever the table's default; past 1000 characters, text keeps the row under its limit.
  stringType: (maxLength) =>
    maxLength <= 1000
      ? sql`varchar(${sql.raw(String(maxLength))}) character set utf8mb4`
      : sql`text character set utf8mb4`,
  async exactStringType(db, maxLength) {
    const collation = await exactCollation(db);
    return sql`varchar(${sql.raw(String(maxLength))}) character set utf8mb4 collate ${sql.raw(collation)}`;
  },
  asciiType: (maxLength) =>
    sql`varchar(${sql.raw(String(maxLength))}) character set ascii collate ascii_bin`,
  timestampType: "datetime(6)",
  integerPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  clusterByPrimaryKey: (table) => table,
  caseInsensitiveEmail: "collation",
  async emailType(db) {
    const collation = await emailCollation(db);
    return sql`varchar(320) character set utf8mb4 collate ${sql.raw(collation)}`;
  },
  lockingReads: true,
  supportsReturning: false,
  upsert: "on-duplicate-key",
  transactionalMigrations: false,
  // Kysely's Migrator holds GET_LOCK on its connection; DDL cannot be transactional here.
  runMigrations: (db, migrate) => migrate(db),
  adoptColumns: adoptFastapiUsersColumns,
  adoptOAuthAccountColumns: adoptFastapiUsersOAuthColumns,
  encodeDate: formatUtcDateTime,
  decodeDate: parseUtcDateTime,
  encodeBoolean: (value) => (value ? 1 : 0),
  async hasIndex(db, table, index) {
    const { rows } = await sql`select 1 from information_schema.statistics
      where table_schema = database() and table_name = ${table} and index_name = ${index}
      limit 1`.execute(db);
    return rows.length > 0;
  },
  async explain(db, query) {
    const { rows } = await db.executeQuery<{ table: string; type: string | null; key: string }>({
      ...query,
      sql: `explain ${query.sql}`,
    });
    const text = rows.map((row) => `${row.table}: ${row.type} using ${row.key}`).join("\n");
    const fullScans = rows.filter((row) => row.type === "ALL").map((row) => row.table);
    return { text, fullScans };
  },
  isForeignKeyViolation: (error) => {
    const errno = (error as { errno?: unknown })?.errno;
    return errno === 1452 || errno === 1216;
  },
  isUniqueViolation: (error) =>
    errorCode(error) === "ER_DUP_ENTRY" || (error as { errno?: unknown })?.errno === 1062,
  isMissingSchema: (error) =>
    ["ER_NO_SUCH_TABLE", "ER_BAD_FIELD_ERROR"].includes(errorCode(error) ?? ""),
  isUnavailable(error) {
    const errno = (error as { errno?: unknown } | null)?.errno;
    return (
      error instanceof DatabaseTimeoutError ||
      isNetworkError(error) ||
      UNAVAILABLE_CODES.has(errorCode(error) ?? "") ||
      (typeof errno === "number" && UNAVAILABLE_ERRNOS.has(errno)) ||
      UNAVAILABLE_MESSAGES.test(errorMessage(error))
    );
  },
};

/** The first collation of {@link EMAIL_COLLATIONS} the server knows. */
export async function emailCollation(db: Kysely<any>): Promise<string> {
  // MariaDB ≥ 10.10 lists its UCA 14 collations without the character set
  // (`uca1400_as_ci`) and accepts them with it (`utf8mb4_uca1400_as_ci`).
  const { rows } = await sql<{ name: string }>`select collation_name as name
    from information_schema.collations
    where collation_name in (${sql.join([...EMAIL_COLLATIONS, "uca1400_as_ci"])})`.execute(db);
  const known = new Set(rows.map((row) => row.name.replace(/^uca1400/, "utf8mb4_uca1400")));
  return EMAIL_COLLATIONS.find((name) => known.has(name)) ?? "utf8mb4_unicode_ci";
}

/** The first collation of {@link EXACT_COLLATIONS} the server knows. */
async function exactCollation(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ name: string }>`select collation_name as name
    from information_schema.collations
    where collation_name in (${sql.join(EXACT_COLLATIONS)})`.execute(db);
  const known = new Set(rows.map((row) => row.name));
  return EXACT_COLLATIONS.find((name) => known.has(name)) ?? "utf8mb4_bin";
}

/**
 * FastAPI Users' MySQL tables differ from tessera's in three ways, fixed here:
 * `created_at` is a TIMESTAMP (seconds, shifted by the session zone, ends in
 * 2038) and becomes DATETIME(6) holding the same UTC wall clock; `token`
 * takes the table's collation, usually case-insensitive, and becomes
 * `ascii_bin`; `email` gets a case-insensitive collation if it lacks one.
 */
async function adoptFastapiUsersColumns(db: Kysely<any>, tables: AdoptedTables): Promise<void> {
  const { userTable, accessTokenTable } = tables;
  const { rows } = await sql<{ tz: string }>`select @@session.time_zone as tz`.execute(db);
  const sessionZone = rows[0]?.tz ?? "+00:00";
  // FastAPI Users wrote UTC wall clocks through sessions in the server's zone:
  // converting in that zone keeps exactly what it wrote.
  await sql`set time_zone = @@global.time_zone`.execute(db);
  try {
    await sql`alter table ${sql.table(accessTokenTable)}
      modify token varchar(43) character set ascii collate ascii_bin not null,
      modify created_at datetime(6) not null`.execute(db);
  } finally {
    await sql`set time_zone = ${sessionZone}`.execute(db);
  }
  const email = await sql<{ collation: string | null }>`select collation_name as collation
    from information_schema.columns
    where table_schema = database() and table_name = ${userTable} and column_name = 'email'`.execute(
    db,
  );
  if (!/_ci$/.test(email.rows[0]?.collation ?? "")) {
    const collation = await emailCollation(db);
    await sql`alter table ${sql.table(userTable)}
      modify email varchar(320) character set utf8mb4 collate ${sql.raw(collation)} not null`.execute(
      db,
    );
  }
}

/**
 * FastAPI Users' MySQL `oauth_account` takes the table's collation, usually
 * case-insensitive, and `String(1024)` tokens: provider names and account ids
 * take a binary collation (an id differing in case is another account), tokens
 * `text`, the email utf8mb4.
 */
async function adoptFastapiUsersOAuthColumns(db: Kysely<any>, table: string): Promise<void> {
  const exact = sql.raw(await exactCollation(db));
  await sql`alter table ${sql.table(table)}
    modify oauth_name varchar(100) character set utf8mb4 collate ${exact} not null,
    modify account_id varchar(320) character set utf8mb4 collate ${exact} not null,
    modify account_email varchar(320) character set utf8mb4 not null,
    modify access_token text not null,
    modify refresh_token text null`.execute(db);
}
