import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";
import { createIndex } from "./create-tables.js";

/** The longest invalidation message: a kind, a colon and a key (a stored token, a family or a user id). */
export const REVOCATION_MESSAGE_LENGTH = 400;

/**
 * Migration `0006`: the revocation log, where instances that cache sessions
 * on an engine without a notification channel (MySQL, SQLite) write each
 * invalidation for the others to poll: an increasing id, the message, and
 * when it was written (epoch milliseconds, to prune by).
 */
export async function addRevocationLog(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, revocationLogTable } = schema;
  const serial = engine.name === "postgres";
  await db.schema
    .createTable(revocationLogTable)
    .ifNotExists()
    .addColumn(
      "id",
      serial ? "bigserial" : engine.name === "sqlite" ? "integer" : "bigint",
      (column) => (serial ? column.primaryKey() : column.primaryKey().autoIncrement()),
    )
    .addColumn("message", engine.stringType(REVOCATION_MESSAGE_LENGTH), (column) =>
      column.notNull(),
    )
    .addColumn("created_ms", "bigint", (column) => column.notNull())
    .execute();
  await createIndex(
    db,
    schema,
    revocationLogTable,
    `ix_${revocationLogTable}_created_ms`,
    ["created_ms"],
    false,
  );
}
