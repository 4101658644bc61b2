import { type Kysely, sql } from "kysely";
import type { Schema } from "../schema.js";
import { idColumnType } from "./id-column-type.js";

/**
 * Migration `0002`: the user and access-token tables, if missing, in FastAPI
 * Users' layout (`user`: id, email, hashed_password, is_active, is_superuser,
 * is_verified; `accesstoken`: token, created_at, user_id → user.id ON DELETE
 * CASCADE), and every index tessera needs, each created only if missing so
 * that an adopted FastAPI Users database gets just what it lacks:
 * `ix_<user>_email` (unique), the case-insensitive uniqueness of emails (see
 * `Engine.caseInsensitiveEmail`), `ix_<token>_created_at` and `ix_<token>_user_id`.
 */
export async function createTables(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, idType, userTable, accessTokenTable } = schema;
  const idColumn = idColumnType(schema);

  await db.schema
    .createTable(userTable)
    .ifNotExists()
    .addColumn("id", idColumn, (column) =>
      idType === "integer" ? engine.integerPrimaryKey(column) : column.primaryKey(),
    )
    .addColumn("email", await engine.emailType(db), (column) => column.notNull())
    .addColumn("hashed_password", "varchar(1024)", (column) => column.notNull())
    .addColumn("is_active", "boolean", (column) => column.notNull())
    .addColumn("is_superuser", "boolean", (column) => column.notNull())
    .addColumn("is_verified", "boolean", (column) => column.notNull())
    .execute();
  await createIndex(db, schema, userTable, `ix_${userTable}_email`, ["email"], true);
  if (engine.caseInsensitiveEmail === "lower-index") {
    await createLowerEmailIndex(db, schema);
  }

  await engine
    .clusterByPrimaryKey(
      db.schema
        .createTable(accessTokenTable)
        .ifNotExists()
        .addColumn("token", engine.tokenType, (column) => column.primaryKey())
        .addColumn("created_at", engine.timestampType, (column) => column.notNull())
        .addColumn("user_id", idColumn, (column) =>
          column.notNull().references(`${userTable}.id`).onDelete("cascade"),
        ),
    )
    .execute();
  await createIndex(
    db,
    schema,
    accessTokenTable,
    `ix_${accessTokenTable}_created_at`,
    ["created_at"],
    false,
  );
  await createIndex(
    db,
    schema,
    accessTokenTable,
    `ix_${accessTokenTable}_user_id`,
    ["user_id"],
    false,
  );
}

/** The name of the unique index on `lower(email)` (engines with `lower-index`). */
export function lowerEmailIndex(userTable: string): string {
  return `ix_${userTable}_email_lower`;
}

export async function createIndex(
  db: Kysely<any>,
  { engine }: Schema,
  table: string,
  name: string,
  columns: string[],
  unique: boolean,
): Promise<void> {
  // Checked rather than `if not exists`, which MySQL lacks for indexes.
  if (await engine.hasIndex(db, table, name)) return;
  const index = db.schema.createIndex(name).on(table).columns(columns);
  await (unique ? index.unique() : index).execute();
}

async function createLowerEmailIndex(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, userTable } = schema;
  const name = lowerEmailIndex(userTable);
  if (await engine.hasIndex(db, userTable, name)) return;
  // Emails that differ only in case (possible in a FastAPI Users table written
  // by racing registrations) make the index impossible: name them.
  const { rows } = await sql<{
    email: string;
  }>`select lower(email) as email from ${sql.table(userTable)}
    group by lower(email) having count(*) > 1`.execute(db);
  if (rows.length > 0) {
    throw new Error(
      `cannot make emails unique ignoring case in "${userTable}": these addresses are used by ` +
        `more than one user: ${rows.map((row) => row.email).join(", ")}. Merge or rename those ` +
        "users, then migrate again.",
    );
  }
  await db.schema.createIndex(name).on(userTable).expression(sql`lower(email)`).unique().execute();
}
