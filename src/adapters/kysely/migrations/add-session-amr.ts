import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";

/** A session's methods, space-separated (`"password otp"`): see `storedSessionInfo`. */
export const AMR_LENGTH = 100;

/**
 * Migration `0009`: how each session was proven (`amr`), a nullable column
 * on the access-token table and on the session records. The rows already
 * there keep `null`: sessions from before tessera recorded it, listed with
 * no method.
 */
export async function addSessionAmr(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, accessTokenTable, sessionTable } = schema;
  const tables = await db.introspection.getTables();
  for (const name of [accessTokenTable, sessionTable]) {
    const table = tables.find((t) => t.name === name);
    // Tables made before versioned migrations run them all again: add only what is missing.
    if (table?.columns.some((column) => column.name === "amr")) continue;
    await db.schema.alterTable(name).addColumn("amr", engine.stringType(AMR_LENGTH)).execute();
  }
}
