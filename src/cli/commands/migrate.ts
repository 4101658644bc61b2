import type { Kysely } from "kysely";
import { connect, migrateToLatest } from "../../adapters/kysely/index.js";
import {
  defaultMigrationTable,
  type MigrateOptions,
} from "../../adapters/kysely/migrate-to-latest.js";
import type { CliSchema } from "../cli-config.js";
import { CliError } from "../cli-error.js";
import { isMongoUrl, sqlSchemaOf } from "../open-database.js";

/**
 * Brings DATABASE_URL's tables to the latest version: creates them, adopts a
 * FastAPI Users database in place, or reports that nothing was to do. A
 * database holding tessera's tables under another configuration (other
 * table names) is refused unchanged, as `migrateToLatest` refuses another id type.
 * On MongoDB: creates the indexes `ensureIndexes` lists, those missing.
 */
export async function migrate(input: { databaseUrl: string; schema: CliSchema }): Promise<void> {
  if (isMongoUrl(input.databaseUrl)) return migrateMongo(input.databaseUrl, input.schema);
  const schema = sqlSchemaOf(input.schema);
  const connection = await connect(input.databaseUrl, { statementTimeoutMs: 0 });
  try {
    await refuseOtherConfiguration(connection.db, schema);
    const { applied, adoption, addedColumns } = await migrateToLatest(connection.db, schema);
    if (adoption) {
      process.stdout.write(
        `adopted a FastAPI Users database: ${adoption.users} user${plural(adoption.users)} kept ` +
          `(their passwords are rehashed at their next login), ${adoption.tokens} access ` +
          `token${plural(adoption.tokens)} now stored hashed\n`,
      );
    }
    process.stdout.write(
      applied.length > 0
        ? `applied ${applied.length} migration${plural(applied.length)}: ${applied.join(", ")}\n`
        : "already up to date\n",
    );
    if (addedColumns.length > 0) {
      process.stdout.write(
        `added ${addedColumns.length} user field column${plural(addedColumns.length)}: ` +
          `${addedColumns.join(", ")}\n`,
      );
    }
  } finally {
    await connection.close();
  }
}

async function migrateMongo(databaseUrl: string, schema: CliSchema): Promise<void> {
  const { openMongo } = await import("../open-mongo.js");
  const mongo = await openMongo(databaseUrl, schema);
  try {
    const { created } = await mongo.ensureIndexes();
    process.stdout.write(
      created.length > 0
        ? `created ${created.length} index${created.length === 1 ? "" : "es"}: ${created.join(", ")}\n`
        : "indexes already in place\n",
    );
  } finally {
    await mongo.close();
  }
}

/**
 * The configured user table is missing while tessera has migrated other
 * tables here: the configuration is likely not the app's. Creating a second
 * set of tables would hide the mistake until users vanish.
 */
async function refuseOtherConfiguration(
  db: Kysely<unknown>,
  schema: MigrateOptions,
): Promise<void> {
  const userTable = schema.userTable ?? "user";
  const ours = schema.migrationTable ?? defaultMigrationTable(userTable);
  const names = (await db.introspection.getTables()).map((table) => table.name);
  if (names.includes(userTable)) return;
  const others = names.filter(
    (name) => /^tessera_migration(_\w+)?$/.test(name) && !name.endsWith("_lock") && name !== ours,
  );
  if (others.length === 0) return;
  throw new CliError(
    `this database has tessera tables of another configuration (migration table ` +
      `${others.map((name) => `"${name}"`).join(", ")}) and no table "${userTable}": ` +
      "check the configuration file (--config, or tessera.config.json); nothing was changed",
  );
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}
