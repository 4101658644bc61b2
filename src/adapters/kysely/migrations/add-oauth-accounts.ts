import { type Kysely, sql } from "kysely";
import type { Schema } from "../schema.js";
import { createIndex } from "./create-tables.js";
import { idColumnType } from "./id-column-type.js";

/** FastAPI Users' column sizes: `String(100)` and `String(320)`. */
export const OAUTH_NAME_LENGTH = 100;
export const ACCOUNT_ID_LENGTH = 320;
export const ACCOUNT_EMAIL_LENGTH = 320;

/** The columns of FastAPI Users' `oauth_account`, which tessera's has too. */
export const OAUTH_ACCOUNT_COLUMNS = [
  "id",
  "oauth_name",
  "access_token",
  "expires_at",
  "refresh_token",
  "account_id",
  "account_email",
  "user_id",
];

/**
 * Migration `0008`: accounts at identity providers linked to users, in
 * FastAPI Users' `oauth_account` layout (a UUID id, the provider's name, its
 * tokens and their expiry in epoch seconds, the account's id and email
 * there, the user → user.id ON DELETE CASCADE), the tokens as `text` (an
 * encrypted token outgrows FastAPI Users' 1024 characters). A table FastAPI
 * Users made is adopted: its columns checked and brought to these types.
 * Either way an index on the user, and a unique one on (oauth_name,
 * account_id), which FastAPI Users lacks: a provider account links to one
 * user, whatever the races.
 */
export async function addOAuthAccounts(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, userTable, oauthAccountTable: table } = schema;
  const existing = (await db.introspection.getTables()).find((t) => t.name === table);
  if (existing) {
    const names = new Set(existing.columns.map((column) => column.name));
    const missing = OAUTH_ACCOUNT_COLUMNS.filter((name) => !names.has(name));
    if (missing.length > 0) {
      throw new Error(
        `table "${table}" exists but is not a FastAPI Users or tessera oauth_account table (no ` +
          `column ${missing.join(", ")}); pick another name with oauthAccountTable`,
      );
    }
    await engine.adoptOAuthAccountColumns(db, table);
  } else {
    await db.schema
      .createTable(table)
      .addColumn("id", engine.uuidType, (column) => column.primaryKey())
      .addColumn("oauth_name", await engine.exactStringType(db, OAUTH_NAME_LENGTH), (column) =>
        column.notNull(),
      )
      .addColumn("access_token", "text", (column) => column.notNull())
      .addColumn("expires_at", "integer")
      .addColumn("refresh_token", "text")
      .addColumn("account_id", await engine.exactStringType(db, ACCOUNT_ID_LENGTH), (column) =>
        column.notNull(),
      )
      .addColumn("account_email", engine.stringType(ACCOUNT_EMAIL_LENGTH), (column) =>
        column.notNull(),
      )
      .addColumn("user_id", idColumnType(schema), (column) =>
        column.notNull().references(`${userTable}.id`).onDelete("cascade"),
      )
      .execute();
  }
  await createIndex(db, schema, table, `ix_${table}_user_id`, ["user_id"], false);
  await createAccountIndex(db, schema);
}

/** The name of the unique index on (oauth_name, account_id). */
export function accountIndex(table: string): string {
  return `ix_${table}_account`;
}

async function createAccountIndex(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, oauthAccountTable: table } = schema;
  const name = accountIndex(table);
  if (await engine.hasIndex(db, table, name)) return;
  // FastAPI Users links one provider account twice when two callbacks race: say so.
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from (
      select oauth_name, account_id from ${sql.table(table)}
      group by oauth_name, account_id having count(*) > 1
    ) as duplicated`.execute(db);
  const duplicated = Number(rows[0]?.n ?? 0);
  if (duplicated > 0) {
    throw new Error(
      `cannot make provider accounts unique in "${table}": ${duplicated} (oauth_name, ` +
        "account_id) pairs are linked more than once (FastAPI Users allowed it). Delete all but " +
        `one row of each (select oauth_name, account_id from ${table} group by oauth_name, ` +
        "account_id having count(*) > 1 lists them), then migrate again.",
    );
  }
  await db.schema
    .createIndex(name)
    .on(table)
    .columns(["oauth_name", "account_id"])
    .unique()
    .execute();
}
