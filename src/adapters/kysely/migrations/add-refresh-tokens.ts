import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";
import { IP_LENGTH, LABEL_LENGTH, USER_AGENT_LENGTH } from "./add-session-metadata.js";
import { createIndex } from "./create-tables.js";
import { idColumnType } from "./id-column-type.js";

/**
 * Migration `0005`: rotating refresh tokens. A `family` column (the
 * session's id; nullable, indexed, compared byte for byte as tokens are) on the access-token table ties an access token to the session
 * that refreshes it, and the refresh-token table holds each refresh token
 * (SHA-256), its family, user and stamp, when it was issued and used, and
 * the session's own start and metadata, which pass from one refresh token of
 * the family to the next.
 */
export async function addRefreshTokens(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, userTable, accessTokenTable, refreshTokenTable } = schema;
  const table = (await db.introspection.getTables()).find((t) => t.name === accessTokenTable);
  if (!table?.columns.some((column) => column.name === "family")) {
    await db.schema.alterTable(accessTokenTable).addColumn("family", engine.tokenType).execute();
  }
  await createIndex(
    db,
    schema,
    accessTokenTable,
    `ix_${accessTokenTable}_family`,
    ["family"],
    false,
  );

  await db.schema
    .createTable(refreshTokenTable)
    .ifNotExists()
    .addColumn("token", engine.tokenType, (column) => column.primaryKey())
    .addColumn("family", engine.tokenType, (column) => column.notNull())
    .addColumn("user_id", idColumnType(schema), (column) =>
      column.notNull().references(`${userTable}.id`).onDelete("cascade"),
    )
    .addColumn("security_stamp", "integer", (column) => column.notNull())
    .addColumn("created_at", engine.timestampType, (column) => column.notNull())
    .addColumn("used_at", engine.timestampType)
    .addColumn("session_created_at", engine.timestampType, (column) => column.notNull())
    .addColumn("ip", engine.stringType(IP_LENGTH))
    .addColumn("user_agent", engine.stringType(USER_AGENT_LENGTH))
    .addColumn("label", engine.stringType(LABEL_LENGTH))
    .execute();
  for (const column of ["family", "user_id", "created_at"]) {
    const name = `ix_${refreshTokenTable}_${column}`;
    await createIndex(db, schema, refreshTokenTable, name, [column], false);
  }
}
