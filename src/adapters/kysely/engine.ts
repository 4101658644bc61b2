import {
  type ColumnDataType,
  type ColumnDefinitionBuilder,
  type CompiledQuery,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
  MysqlAdapter,
  PostgresAdapter,
  SqliteAdapter,
} from "kysely";
import { mysqlEngine } from "./engines/mysql.js";
import { postgresEngine } from "./engines/postgres.js";
import { sqliteEngine } from "./engines/sqlite.js";

/** How a query would run: the engine's plan as text, and the tables it reads in full. */
export interface QueryPlan {
  /** The plan as the engine prints it, one line per step. */
  readonly text: string;
  /** Tables (or their aliases) read by a full scan instead of an index; empty for an indexed plan. */
  readonly fullScans: readonly string[];
}

/** A column type: a name Kysely knows, or raw SQL (`sql\`varchar(43) collate ascii_bin\``). */
export type DataTypeExpression = ColumnDataType | Expression<unknown>;

/** The table names of a database being adopted. */
export interface AdoptedTables {
  readonly userTable: string;
  readonly accessTokenTable: string;
}

/**
 * What differs between SQL engines, declared once per engine so the adapter's
 * queries and migrations read the same everywhere (Kysely's capability-flag
 * habit). Nothing outside `engines/` asks which engine it is talking to.
 */
export interface Engine {
  readonly name: "sqlite" | "postgres" | "mysql";
  /** Column type of UUID ids: native `uuid` where there is one, else `char(36)` (FastAPI Users' GUID). */
  readonly uuidType: DataTypeExpression;
  /** Column type of `accesstoken.token`: compared byte for byte, never ignoring case. */
  readonly tokenType: DataTypeExpression;
  /** Column type of a custom string field of at most this many characters (any character). */
  stringType(maxLength: number): DataTypeExpression;
  /**
   * Column type of a short string compared exactly, case and accents
   * included (a provider's name, an account's id there): MySQL's usual
   * collations ignore case (and trailing spaces), which would let `Alice`
   * sign in as `alice`.
   */
  exactStringType(db: Kysely<any>, maxLength: number): Promise<DataTypeExpression>;
  /**
   * Column type of an ASCII string compared byte for byte, short enough per
   * character to be a key at this length (a passkey's credential id, a hash).
   */
  asciiType(maxLength: number): DataTypeExpression;
  /** Column type of `created_at`. Always written and compared in UTC. */
  readonly timestampType: DataTypeExpression;
  /** Makes an `integer` column the auto-generated primary key. */
  integerPrimaryKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Stores a table in its primary key's order, where the engine has to be asked
   * (SQLite's `WITHOUT ROWID`): a lookup by key then reads one B-tree, not an
   * index and then the table. Used for the access-token table, read on every
   * request. InnoDB already clusters by primary key; PostgreSQL has no such table.
   */
  clusterByPrimaryKey<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
  ): CreateTableBuilder<T, C>;
  /**
   * How emails are unique and looked up ignoring case:
   * - `lower-index`: a unique index on `lower(email)`, queried as `lower(email) = lower(?)`;
   * - `collation`: the column's case-insensitive collation (MySQL/MariaDB, where
   *   an index on an expression is not portable), queried as `email = ?`.
   */
  readonly caseInsensitiveEmail: "lower-index" | "collation";
  /** Column type of `email`. On `collation` engines it carries the case-insensitive collation. */
  emailType(db: Kysely<any>): Promise<DataTypeExpression>;
  /**
   * `SELECT … FOR UPDATE` locks the rows it reads until the transaction ends
   * (PostgreSQL, MySQL). SQLite has no row locks: a transaction's first write
   * takes the database's write lock, and the adapter's one connection runs
   * one transaction at a time.
   */
  readonly lockingReads: boolean;
  /** `INSERT … RETURNING` works. */
  readonly supportsReturning: boolean;
  /** How an insert updates the row it collides with: `ON CONFLICT … DO UPDATE`, or `ON DUPLICATE KEY UPDATE` (MySQL). */
  readonly upsert: "on-conflict" | "on-duplicate-key";
  /**
   * Whether {@link runMigrations} runs migrations inside one transaction (DDL
   * included). Where it does not (MySQL: DDL commits on its own), a migration
   * that rewrites data opens its own transaction.
   */
  readonly transactionalMigrations: boolean;
  /**
   * Runs `migrate` holding a lock that a second process waits for, so two
   * processes starting at once migrate one after the other.
   */
  runMigrations<T>(db: Kysely<any>, migrate: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /**
   * Brings the columns of tables that FastAPI Users created (SQLAlchemy's DDL)
   * to what tessera's tables use on this engine; a no-op where they match.
   */
  adoptColumns(db: Kysely<any>, tables: AdoptedTables): Promise<void>;
  /**
   * Brings the columns of FastAPI Users' `oauth_account` table to tessera's
   * on this engine: provider tokens of any length (its `String(1024)` is too
   * short for an encrypted one), provider names and account ids compared
   * exactly; a no-op where they match.
   */
  adoptOAuthAccountColumns(db: Kysely<any>, table: string): Promise<void>;
  /** A Date as the driver binds it, in UTC. */
  encodeDate(date: Date): unknown;
  /** A `created_at` value as the driver returns it. */
  decodeDate(value: unknown): Date;
  /** A boolean as the driver binds it. */
  encodeBoolean(value: boolean): unknown;
  /** Whether an index of this name exists on the table. */
  hasIndex(db: Kysely<any>, table: string, index: string): Promise<boolean>;
  /** How the engine would run this query (for tests that keep the token lookup indexed). */
  explain(db: Kysely<any>, query: CompiledQuery): Promise<QueryPlan>;
  /** The error is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** The error is a foreign-key violation (a row refers to a user that is gone). */
  isForeignKeyViolation(error: unknown): boolean;
  /** The error names a table or column that does not exist: the migrations did not run. */
  isMissingSchema(error: unknown): boolean;
  /** The error means the database is unreachable or dropped the connection (answer 503, retry later). */
  isUnavailable(error: unknown): boolean;
}

/** The engine behind a Kysely instance, from its dialect's adapter. */
export function engineOf(db: Kysely<unknown>): Engine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return sqliteEngine;
  if (adapter instanceof PostgresAdapter) return postgresEngine;
  if (adapter instanceof MysqlAdapter) return mysqlEngine;
  throw new TypeError("tessera-auth/kysely supports the SQLite, PostgreSQL and MySQL dialects");
}
