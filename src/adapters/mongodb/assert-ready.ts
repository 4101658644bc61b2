import { type Collection, MongoServerError } from "mongodb";
import { DatabaseNotMigrated } from "../../core/errors.js";
import { guard } from "./guard.js";
import type { MongoSchema, StoredDocument } from "./schema.js";

/** How a MongoDB database gets tessera's indexes. */
const ENSURE_INDEXES = "call ensureIndexes(db) at startup (from tessera-auth/mongodb)";

/** The indexes `ensureIndexes` creates, by collection; the creation-time one under either name. */
function expectedIndexes(schema: MongoSchema): [Collection<StoredDocument>, string[][]][] {
  const createdAt = ["tessera_created", "tessera_created_ttl"];
  return [
    [schema.users, [["tessera_email_key"]]],
    [schema.accessTokens, [["tessera_user_created"], ["tessera_family"], createdAt]],
    [schema.refreshTokens, [["tessera_family"], ["tessera_user"], createdAt]],
    [schema.oauthAccounts, [["tessera_account"], ["tessera_user"]]],
    [schema.passkeys, [["tessera_user"]]],
  ];
}

/**
 * Checks, at startup, that every index `ensureIndexes` creates is there (the
 * unique one on the users' email above all: without it two accounts can share
 * an address); throws {@link DatabaseNotMigrated} naming the first missing
 * one and the fix, or `DatabaseUnavailableError` when the server is out of reach.
 */
export async function assertReady(schema: MongoSchema): Promise<void> {
  for (const [collection, indexes] of expectedIndexes(schema)) {
    const names = new Set(await indexNames(collection));
    const missing = indexes.find((either) => !either.some((name) => names.has(name)));
    if (missing) {
      throw new DatabaseNotMigrated(
        `collection "${collection.collectionName}" has no index "${missing[0]}"`,
        ENSURE_INDEXES,
      );
    }
  }
}

async function indexNames(collection: Collection<StoredDocument>): Promise<string[]> {
  try {
    const indexes = await guard(() => collection.listIndexes().toArray());
    return indexes.map((index) => String(index.name));
  } catch (error) {
    // No such collection (NamespaceNotFound): nothing was ever created in it.
    if (error instanceof MongoServerError && error.code === 26) return [];
    throw error;
  }
}
