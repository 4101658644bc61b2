import { type Kysely, sql } from "kysely";
import { hashToken } from "../../../sessions/tokens.js";
import type { Schema } from "../schema.js";
import { lowerEmailIndex } from "./create-tables.js";

/** What adopting a FastAPI Users database found and converted. */
export interface Adoption {
  readonly from: "fastapi-users";
  readonly users: number;
  readonly tokens: number;
}

const USER_COLUMNS = ["id", "email", "hashed_password", "is_active", "is_superuser", "is_verified"];
const TOKEN_COLUMNS = ["token", "created_at", "user_id"];
const BATCH = 500;

/**
 * Migration `0001`: recognises tables that exist before tessera's first
 * migration. Tables made by fastapi-users-db-sqlalchemy (same names and
 * columns, no tessera index on `lower(email)`) are adopted in place: their
 * columns brought to tessera's types where the engine needs it, and every
 * stored token replaced by its SHA-256, in one transaction, so each token a
 * client holds keeps working and none is left in clear. Password hashes stay
 * as they are: bcrypt and argon2 hashes verify, and are rehashed at login.
 *
 * Tables made by tessera's own `createTables` before migrations existed
 * (they have the `lower(email)` index) already hold hashed tokens: nothing to do.
 * A fresh database has no tables: nothing to do.
 */
export async function adoptExistingTables(
  db: Kysely<any>,
  schema: Schema,
  markerTable: string,
): Promise<Adoption | null> {
  const { engine, userTable, accessTokenTable } = schema;
  const tables = new Map(
    (await db.introspection.getTables()).map((table) => [
      table.name,
      table.columns.map((column) => ({ name: column.name, type: column.dataType })),
    ]),
  );
  const userColumns = tables.get(userTable);
  const tokenColumns = tables.get(accessTokenTable);
  if (!userColumns && !tokenColumns) return null;
  if (!userColumns || !tokenColumns) {
    const [found, missing] = userColumns
      ? [userTable, accessTokenTable]
      : [accessTokenTable, userTable];
    throw new Error(
      `found table "${found}" but not "${missing}": tessera adopts both tables of a FastAPI ` +
        "Users database together; pick other names with userTable / accessTokenTable",
    );
  }
  expectColumns(userTable, userColumns, USER_COLUMNS);
  expectColumns(accessTokenTable, tokenColumns, TOKEN_COLUMNS);
  const idType = userColumns.find((column) => column.name === "id")?.type ?? "";
  if (/int/i.test(idType) !== (schema.idType === "integer")) {
    throw new Error(`"${userTable}.id" is ${idType}, which does not fit idType "${schema.idType}"`);
  }
  if (
    engine.caseInsensitiveEmail === "lower-index" &&
    (await engine.hasIndex(db, userTable, lowerEmailIndex(userTable)))
  ) {
    return null;
  }
  if (await alreadyAdopted(db, markerTable)) return null;

  await engine.adoptColumns(db, schema);
  await db.schema
    .createTable(markerTable)
    .ifNotExists()
    .addColumn("source", "varchar(64)", (column) => column.primaryKey())
    .addColumn("adopted_at", "varchar(32)", (column) => column.notNull())
    .addColumn("tokens", "integer", (column) => column.notNull())
    .execute();
  const hashAll = async (trx: Kysely<any>) => {
    const tokens = await hashTokens(trx, accessTokenTable);
    // Written in the transaction that hashed the tokens: on MySQL, where the
    // migrator's own bookkeeping cannot share it, this is what keeps a rerun
    // after a crash from hashing them twice.
    await trx
      .insertInto(markerTable)
      .values({ source: "fastapi-users", adopted_at: new Date().toISOString(), tokens })
      .execute();
    return tokens;
  };
  const tokens = engine.transactionalMigrations
    ? await hashAll(db)
    : await db.transaction().execute(hashAll);
  const users = await db
    .selectFrom(userTable)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return { from: "fastapi-users", users: Number(users.n), tokens };
}

function expectColumns(table: string, columns: { name: string }[], expected: string[]): void {
  const names = new Set(columns.map((column) => column.name));
  const missing = expected.filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new Error(
      `table "${table}" exists but is not a FastAPI Users or tessera table (no column ` +
        `${missing.join(", ")}); pick other names with userTable / accessTokenTable`,
    );
  }
}

async function alreadyAdopted(db: Kysely<any>, markerTable: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  if (!tables.some((table) => table.name === markerTable)) return false;
  const row = await db.selectFrom(markerTable).select("source").executeTakeFirst();
  return row !== undefined;
}

/** Replaces every token by its SHA-256 (base64url, 43 characters as before), a batch per statement. */
async function hashTokens(db: Kysely<any>, table: string): Promise<number> {
  const rows = await db.selectFrom(table).select("token").execute();
  const tokens = rows.map((row) => String(row.token));
  for (let start = 0; start < tokens.length; start += BATCH) {
    const batch = tokens.slice(start, start + BATCH);
    const cases = batch.map((token) => sql`when ${token} then ${hashToken(token)}`);
    await db
      .updateTable(table)
      .set({ token: sql`case token ${sql.join(cases, sql` `)} end` })
      .where("token", "in", batch)
      .execute();
  }
  return tokens.length;
}
