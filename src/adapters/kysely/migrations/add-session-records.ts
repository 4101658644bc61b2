import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";
import { IP_LENGTH, LABEL_LENGTH, USER_AGENT_LENGTH } from "./add-session-metadata.js";
import { createIndex } from "./create-tables.js";
import { idColumnType } from "./id-column-type.js";

/** Sessions copied per statement when the table is filled from the refresh tokens. */
const BATCH = 500;

/**
 * Migration `0007`: one record per session with a refresh token, keyed by
 * its family: who it belongs to, when it started (what freshness is measured
 * from), when it was last refreshed and how often, and its metadata. A
 * rotation updates it before anything else and a revocation deletes it
 * before anything else, so the two meet on its row lock. Filled from the
 * families that still have an unused refresh token.
 */
export async function addSessionRecords(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, userTable, refreshTokenTable, sessionTable } = schema;
  await db.schema
    .createTable(sessionTable)
    .ifNotExists()
    .addColumn("id", engine.tokenType, (column) => column.primaryKey())
    .addColumn("user_id", idColumnType(schema), (column) =>
      column.notNull().references(`${userTable}.id`).onDelete("cascade"),
    )
    .addColumn("created_at", engine.timestampType, (column) => column.notNull())
    .addColumn("refreshed_at", engine.timestampType)
    .addColumn("rotations", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("ip", engine.stringType(IP_LENGTH))
    .addColumn("user_agent", engine.stringType(USER_AGENT_LENGTH))
    .addColumn("label", engine.stringType(LABEL_LENGTH))
    .execute();
  await createIndex(db, schema, sessionTable, `ix_${sessionTable}_user_id`, ["user_id"], false);

  const live = await db
    .selectFrom(refreshTokenTable)
    .select(["family", "user_id", "session_created_at", "ip", "user_agent", "label"])
    .where("used_at", "is", null)
    .execute();
  const seen = new Set<string>();
  const records = [];
  for (const row of live) {
    if (seen.has(row.family)) continue;
    seen.add(row.family);
    records.push({
      id: row.family,
      user_id: row.user_id,
      created_at: row.session_created_at,
      ip: row.ip,
      user_agent: row.user_agent,
      label: row.label,
    });
  }
  for (let start = 0; start < records.length; start += BATCH) {
    await db
      .insertInto(sessionTable)
      .values(records.slice(start, start + BATCH))
      .execute();
  }
}
