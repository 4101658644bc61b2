import { Binary, type Collection, ObjectId } from "mongodb";
import {
  connectMongo,
  type EnsureIndexesReport,
  ensureIndexes,
  type MongoSchemaOptions,
  mongoAdapter,
} from "../adapters/mongodb/index.js";
import type { CliSchema } from "./cli-config.js";
import { CliError } from "./cli-error.js";
import type { CliStores } from "./open-database.js";

/** A MongoDB database opened for a command: its stores, and what sets up its indexes. */
export interface OpenedMongo {
  readonly stores: CliStores;
  /** Creates the indexes that are missing; says which (`collection.index`). */
  ensureIndexes(): Promise<{ created: string[]; report: EnsureIndexesReport }>;
  close(): Promise<void>;
}

/**
 * Connects to a `mongodb://` URL with the app's collections and id type. A
 * user collection that holds ids of the other type is refused before
 * anything is written: a superuser with an ObjectId in an app of UUIDs
 * could never be found by it.
 */
export async function openMongo(url: string, schema: CliSchema): Promise<OpenedMongo> {
  const options = mongoOptionsOf(schema);
  const connection = await connectMongo(url);
  try {
    const stores = mongoAdapter(connection.db, options);
    const { users, accessTokens, refreshTokens, oauthAccounts, passkeys } = stores.users.schema;
    await refuseOtherIdType(users.collectionName, await users.findOne({}), options.idType);
    const collections = [users, accessTokens, refreshTokens, oauthAccounts, passkeys];
    return {
      stores: stores as unknown as CliStores,
      async ensureIndexes() {
        const before = await indexNames(collections);
        const report = await ensureIndexes(connection.db, options);
        const after = await indexNames(collections);
        return { created: after.filter((name) => !before.includes(name)), report };
      },
      close: () => connection.close(),
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** The configuration as `mongoAdapter` takes it. */
function mongoOptionsOf(schema: CliSchema): MongoSchemaOptions & { idType: "objectid" | "uuid" } {
  const { idType = "objectid" } = schema;
  if (idType !== "objectid" && idType !== "uuid") {
    throw new CliError(
      `idType "${idType}" is for SQL databases; on MongoDB it is "objectid" (the default) or "uuid"`,
      2,
    );
  }
  return {
    idType,
    userCollection: schema.userTable,
    accessTokenCollection: schema.accessTokenTable,
    refreshTokenCollection: schema.refreshTokenTable,
    oauthAccountCollection: schema.oauthAccountTable,
    totpSecretCollection: schema.totpSecretTable,
    recoveryCodeCollection: schema.recoveryCodeTable,
    passkeyCollection: schema.passkeyTable,
    userFields: schema.userFields,
  };
}

async function refuseOtherIdType(
  collection: string,
  someUser: { _id?: unknown } | null,
  idType: "objectid" | "uuid",
): Promise<void> {
  if (someUser === null) return;
  const id = someUser._id;
  const stored = id instanceof ObjectId ? "objectid" : id instanceof Binary ? "uuid" : null;
  if (stored === null || stored === idType) return;
  throw new CliError(
    `the collection "${collection}" holds ${stored} ids and the configuration says idType ` +
      `"${idType}": set idType to "${stored}" as the app's mongoAdapter has it (--config, or ` +
      "tessera.config.json); nothing was changed",
  );
}

/** `collection.index` of every index on these collections; a missing collection has none. */
async function indexNames(collections: Collection[]): Promise<string[]> {
  const names: string[] = [];
  for (const collection of collections) {
    const indexes = await collection
      .listIndexes()
      .toArray()
      .catch(() => []);
    for (const { name } of indexes) {
      // Every collection has its `_id_`: not one tessera creates.
      if (name !== "_id_") names.push(`${collection.collectionName}.${name}`);
    }
  }
  return names;
}
