import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";

/**
 * Migration `0003`: `security_stamp` on both tables (integer, 0 for every
 * existing row, so every existing token keeps working). The token lookup
 * requires a token's stamp to equal its user's; a credential change raises
 * the user's stamp, which ends every session issued before it.
 */
export async function addSecurityStamps(db: Kysely<any>, schema: Schema): Promise<void> {
  const tables = new Map(
    (await db.introspection.getTables()).map((table) => [
      table.name,
      new Set(table.columns.map((column) => column.name)),
    ]),
  );
  for (const table of [schema.userTable, schema.accessTokenTable]) {
    if (tables.get(table)?.has("security_stamp")) continue;
    await db.schema
      .alterTable(table)
      .addColumn("security_stamp", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
  }
}
