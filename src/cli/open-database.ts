import {
  type Connection,
  connect,
  kyselyAdapter,
  migrateToLatest,
} from "../adapters/kysely/index.js";
import type { MigrateOptions } from "../adapters/kysely/migrate-to-latest.js";

/** Opens DATABASE_URL, migrates the tables to the latest version, and hands the adapter to `use`. */
export async function withDatabase<T>(
  databaseUrl: string,
  schema: MigrateOptions,
  use: (adapter: ReturnType<typeof kyselyAdapter>, connection: Connection) => Promise<T>,
): Promise<T> {
  // No statement timeout: a migration or a purge of a large table may rightly take long.
  const connection = await connect(databaseUrl, { statementTimeoutMs: 0 });
  try {
    await migrateToLatest(connection.db, schema);
    return await use(kyselyAdapter(connection.db, schema), connection);
  } finally {
    await connection.close();
  }
}
