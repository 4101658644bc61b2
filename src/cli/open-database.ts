import { connect, kyselyAdapter, migrateToLatest } from "../adapters/kysely/index.js";
import type { User } from "../core/models.js";
import type { AccessTokenDatabase } from "../sessions/access-token-database.js";
import type { RefreshTokenDatabase } from "../sessions/refresh-token-database.js";
import type { UserDatabase } from "../users/user-database.js";
import type { CliSchema } from "./cli-config.js";
import { CliError } from "./cli-error.js";

/** The stores a command works on, whichever database holds them. */
export interface CliStores {
  users: UserDatabase<User<unknown>, unknown>;
  accessTokens: AccessTokenDatabase<User<unknown>, unknown>;
  refreshTokens: RefreshTokenDatabase<User<unknown>, unknown>;
}

/** `mongodb://` and `mongodb+srv://` URLs run on the MongoDB adapter; every other one on Kysely. */
export function isMongoUrl(url: string): boolean {
  return /^mongodb(\+srv)?:\/\//i.test(url);
}

/**
 * Opens DATABASE_URL, brings it to the latest version (SQL: migrates the
 * tables; MongoDB: creates the indexes), and hands its stores to `use`.
 * Each adapter's module loads only for its own URLs: the MongoDB driver
 * stays an optional peer that SQL users never install.
 */
export async function withDatabase<T>(
  databaseUrl: string,
  schema: CliSchema,
  use: (stores: CliStores) => Promise<T>,
): Promise<T> {
  if (isMongoUrl(databaseUrl)) {
    const { openMongo } = await import("./open-mongo.js");
    const mongo = await openMongo(databaseUrl, schema);
    // As SQL migrates first: a new user then meets the unique index on email.
    try {
      await mongo.ensureIndexes();
      return await use(mongo.stores);
    } finally {
      await mongo.close();
    }
  }
  const sqlSchema = sqlSchemaOf(schema);
  // No statement timeout: a migration or a purge of a large table may rightly take long.
  const connection = await connect(databaseUrl, { statementTimeoutMs: 0 });
  try {
    await migrateToLatest(connection.db, sqlSchema);
    return await use(kyselyAdapter(connection.db, sqlSchema) as unknown as CliStores);
  } finally {
    await connection.close();
  }
}

/** The configuration as the Kysely adapter takes it: `objectid` is MongoDB's alone. */
export function sqlSchemaOf(schema: CliSchema) {
  const { idType, ...rest } = schema;
  if (idType === "objectid") {
    throw new CliError(
      'idType "objectid" is for MongoDB; a SQL database takes "uuid", "integer" or "string"',
      2,
    );
  }
  return { ...rest, idType };
}
