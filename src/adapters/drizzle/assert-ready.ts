import { getTableName } from "drizzle-orm";
import { DatabaseNotMigrated } from "../../core/errors.js";
import { errorMessage } from "../kysely/driver-errors.js";
import { type AnyDrizzle, driverError, guard } from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";

/**
 * Checks, at startup, that every table and column the adapter's Drizzle
 * tables declare exists (one `SELECT … LIMIT 0` per table, reading no row);
 * throws `DatabaseNotMigrated` naming what is missing and the fix, or
 * `DatabaseUnavailableError` when the database cannot be reached.
 */
export async function assertReady(db: AnyDrizzle, schema: DrizzleSchema): Promise<void> {
  for (const table of Object.values(schema.tables)) {
    try {
      await guard(schema.traits, () => db.select().from(table).limit(0));
    } catch (error) {
      if (!(error instanceof DatabaseNotMigrated)) throw error;
      throw new DatabaseNotMigrated(
        `table "${getTableName(table)}": ${errorMessage(driverError(error.cause))}`,
        undefined,
        { cause: error.cause },
      );
    }
  }
}
