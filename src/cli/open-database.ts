import {
  type Connection,
  connect,
  kyselyAdapter,
  migrateToLatest,
} from "../adapters/kysely/index.js";

/** Opens DATABASE_URL, migrates the tables to the latest version, and hands the adapter to `use`. */
export async function withDatabase<T>(
  databaseUrl: string,
  use: (adapter: ReturnType<typeof kyselyAdapter>, connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connect(databaseUrl);
  try {
    await migrateToLatest(connection.db);
    return await use(kyselyAdapter(connection.db), connection);
  } finally {
    await connection.close();
  }
}
