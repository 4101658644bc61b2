import { connect, migrateToLatest } from "../../adapters/kysely/index.js";

/**
 * Brings DATABASE_URL's tables to the latest version: creates them, adopts a
 * FastAPI Users database in place, or reports that nothing was to do.
 */
export async function migrate(input: { databaseUrl: string }): Promise<void> {
  const connection = await connect(input.databaseUrl, { statementTimeoutMs: 0 });
  try {
    const { applied, adoption } = await migrateToLatest(connection.db);
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
  } finally {
    await connection.close();
  }
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}
