import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";

/** The client's address (an IPv6 address in full is 45 characters). */
export const IP_LENGTH = 45;
/** User agents are cut to this many characters. */
export const USER_AGENT_LENGTH = 512;
/** Session labels are at most this many characters. */
export const LABEL_LENGTH = 100;

/**
 * Migration `0004`: what makes a stored token a session people can see —
 * `last_used_at`, `ip`, `user_agent` and `label` on the access-token table,
 * all nullable, so the rows already there (a FastAPI Users database's
 * included) stay valid and every query of the contract works unchanged.
 */
export async function addSessionMetadata(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, accessTokenTable } = schema;
  const table = (await db.introspection.getTables()).find((t) => t.name === accessTokenTable);
  const existing = new Set(table?.columns.map((column) => column.name));
  const columns = [
    ["last_used_at", engine.timestampType],
    ["ip", engine.stringType(IP_LENGTH)],
    ["user_agent", engine.stringType(USER_AGENT_LENGTH)],
    ["label", engine.stringType(LABEL_LENGTH)],
  ] as const;
  for (const [name, type] of columns) {
    if (existing.has(name)) continue;
    await db.schema.alterTable(accessTokenTable).addColumn(name, type).execute();
  }
}
