import { type Kysely, sql } from "kysely";
import { resolveSchema, type SchemaOptions } from "./schema.js";

/**
 * Creates the user and access-token tables if they do not exist, in FastAPI
 * Users' layout (`user`: id, email, hashed_password, is_active, is_superuser,
 * is_verified; `accesstoken`: token, user_id → user.id ON DELETE CASCADE,
 * created_at indexed), plus a unique index on `lower(email)` so that emails are
 * unique ignoring case and looked up by index.
 *
 * @example
 * await createTables(db); // or createTables(db, { idType: "integer", userTable: "users" })
 */
export async function createTables(
  db: Kysely<unknown>,
  options: SchemaOptions = {},
): Promise<void> {
  const { idType, userTable, accessTokenTable, engine } = resolveSchema(db, options);
  const idColumn =
    idType === "uuid" ? engine.uuidType : idType === "integer" ? "integer" : "varchar(255)";
  const plain = db.withoutPlugins() as Kysely<any>;

  await plain.schema
    .createTable(userTable)
    .ifNotExists()
    .addColumn("id", idColumn, (column) =>
      idType === "integer" ? column.primaryKey().autoIncrement() : column.primaryKey(),
    )
    .addColumn("email", "varchar(320)", (column) => column.notNull())
    .addColumn("hashed_password", "varchar(1024)", (column) => column.notNull())
    .addColumn("is_active", "boolean", (column) => column.notNull())
    .addColumn("is_superuser", "boolean", (column) => column.notNull())
    .addColumn("is_verified", "boolean", (column) => column.notNull())
    .execute();
  await plain.schema
    .createIndex(`ix_${userTable}_email`)
    .ifNotExists()
    .on(userTable)
    .column("email")
    .unique()
    .execute();
  await plain.schema
    .createIndex(`ix_${userTable}_email_lower`)
    .ifNotExists()
    .on(userTable)
    .expression(sql`lower(email)`)
    .unique()
    .execute();

  await plain.schema
    .createTable(accessTokenTable)
    .ifNotExists()
    .addColumn("token", "varchar(43)", (column) => column.primaryKey())
    .addColumn("created_at", engine.timestampType, (column) => column.notNull())
    .addColumn("user_id", idColumn, (column) =>
      column.notNull().references(`${userTable}.id`).onDelete("cascade"),
    )
    .execute();
  await plain.schema
    .createIndex(`ix_${accessTokenTable}_created_at`)
    .ifNotExists()
    .on(accessTokenTable)
    .column("created_at")
    .execute();
  await plain.schema
    .createIndex(`ix_${accessTokenTable}_user_id`)
    .ifNotExists()
    .on(accessTokenTable)
    .column("user_id")
    .execute();
}
