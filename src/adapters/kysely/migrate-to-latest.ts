import { type Kysely, Migrator } from "kysely";
import { checkIdType } from "./check-id-type.js";
import { guard } from "./guard.js";
import { addUserFieldColumns } from "./migrations/add-user-field-columns.js";
import type { Adoption } from "./migrations/adopt-existing-tables.js";
import { type MigrationNotes, tesseraMigrations } from "./migrations/tessera-migrations.js";
import { resolveSchema, type SchemaOptions } from "./schema.js";

export interface MigrateOptions extends SchemaOptions {
  /**
   * Table recording which of tessera's migrations ran (its lock table is
   * `<name>_lock`). One per table set, so two table sets can share a database.
   * @default "tessera_migration", or "tessera_migration_<userTable>" for a custom userTable
   */
  migrationTable?: string;
}

/** What `migrateToLatest` did. */
export interface MigrationReport {
  /** Names of the migrations applied by this call, in order; empty when already up to date. */
  applied: string[];
  /** Set when this call adopted a FastAPI Users database: what it found and converted. */
  adoption: Adoption | null;
  /** Columns of custom user fields this call added to the user table. */
  addedColumns: string[];
}

/**
 * Brings tessera's tables to the latest version: creates them on an empty
 * database, adopts a FastAPI Users database in place (tokens hashed, indexes
 * added), and does nothing when already up to date. Safe to call on every
 * start, from several processes at once: they take a lock and run one after
 * the other. Then it adds the columns of the `userFields` the table lacks. Use the options you give `kyselyAdapter`: a user table whose id
 * column does not hold `idType` is refused here, at startup.
 *
 * @example
 * const report = await migrateToLatest(db); // or migrateToLatest(db, { idType: "integer", userTable: "users" })
 * if (report.adoption) console.log(`hashed ${report.adoption.tokens} FastAPI Users tokens`);
 */
export async function migrateToLatest(
  db: Kysely<any>,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const schema = resolveSchema(db, options);
  const migrationTable = options.migrationTable ?? defaultMigrationTable(schema.userTable);
  const notes: MigrationNotes = { adoption: null };
  const migrations = tesseraMigrations(schema, migrationTable, notes);
  const { engine } = schema;
  return guard(engine, () =>
    engine.runMigrations(db.withoutPlugins(), async (connection) => {
      // Before anything is written: a table of another id type is refused unchanged.
      await checkIdType(connection, schema);
      const migrator = new Migrator({
        db: connection,
        provider: { getMigrations: async () => migrations },
        migrationTableName: migrationTable,
        migrationLockTableName: `${migrationTable}_lock`,
      });
      const { error, results = [] } = await migrator.migrateToLatest();
      if (error !== undefined) {
        if (engine.isUnavailable(error)) throw error;
        const failed = results.find((result) => result.status === "Error")?.migrationName;
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`tessera migration ${failed ?? "setup"} failed: ${message}`, {
          cause: error,
        });
      }
      const applied = results
        .filter((result) => result.status === "Success")
        .map((result) => result.migrationName);
      await checkIdType(connection, schema);
      const addedColumns = await addUserFieldColumns(connection, schema);
      return { applied, adoption: notes.adoption, addedColumns };
    }),
  );
}

/** The migration table of a table set when none is given: one per user table. */
export function defaultMigrationTable(userTable: string): string {
  return userTable === "user" ? "tessera_migration" : `tessera_migration_${userTable}`;
}
