import { type Connection, connect, createTables, kyselyAdapter } from "../adapters/kysely/index.js";

/** Opens DATABASE_URL, creates the tables if missing, and hands the adapter to `use`. */
export async function withDatabase<T>(
  databaseUrl: string,
  use: (adapter: ReturnType<typeof kyselyAdapter>, connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connect(databaseUrl);
  try {
    await createTables(connection.db);
    return await use(kyselyAdapter(connection.db), connection);
  } finally {
    await connection.close();
  }
}
