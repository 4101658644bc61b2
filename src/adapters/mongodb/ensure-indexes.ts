import type { Db } from "mongodb";
import { type Collection, MongoServerError } from "mongodb";
import { guard } from "./guard.js";
import type { StoredDocument } from "./schema.js";
import { type MongoSchemaOptions, resolveMongoSchema } from "./schema.js";

/** What {@link ensureIndexes} sets up beyond the schema. */
export interface EnsureIndexesOptions extends MongoSchemaOptions {
  /**
   * Let the server delete expired tokens itself with TTL indexes on
   * `created_at`, after these many seconds: the strategy's `lifetimeSeconds`
   * for access tokens, the refresh lifetime for refresh tokens. Never shorter
   * than those, or sessions end early. `deleteExpired` works with or without.
   * @default none (purge with `deleteExpired`)
   */
  expireAfterSeconds?: { accessTokens?: number; refreshTokens?: number };
}

/** What {@link ensureIndexes} did about expiry. */
export interface EnsureIndexesReport {
  /** `created`: the server deletes expired tokens; `unsupported`: it has no TTL indexes (FerretDB); `off`: not asked. */
  ttl: "created" | "unsupported" | "off";
}

/**
 * Creates the indexes tessera's queries need, if missing (safe to run at
 * every start, as `migrateToLatest` is for SQL): a unique one on the users'
 * lower-case email, on tokens their user, creation time and family, and a
 * unique one on linked provider accounts (provider and account id), on
 * passkeys their user.
 * Tokens are found by `_id`, which is always indexed.
 */
export async function ensureIndexes(
  db: Db,
  options: EnsureIndexesOptions = {},
): Promise<EnsureIndexesReport> {
  const schema = resolveMongoSchema(db, options);
  const ttl = options.expireAfterSeconds ?? {};
  for (const [name, seconds] of Object.entries(ttl)) {
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0)) {
      throw new RangeError(`expireAfterSeconds.${name} must be a positive integer, got ${seconds}`);
    }
  }
  return guard(async () => {
    // One index per call: FerretDB 1.24 drops the connection when one call names
    // several indexes that exist already.
    await schema.users.createIndex({ email_key: 1 }, { name: "tessera_email_key", unique: true });
    await schema.accessTokens.createIndex(
      { user_id: 1, created_at: -1 },
      { name: "tessera_user_created" },
    );
    await schema.accessTokens.createIndex({ family: 1 }, { name: "tessera_family" });
    await schema.refreshTokens.createIndex({ family: 1 }, { name: "tessera_family" });
    await schema.refreshTokens.createIndex({ user_id: 1 }, { name: "tessera_user" });
    await schema.sessions.createIndex({ user_id: 1 }, { name: "tessera_user" });
    await schema.oauthAccounts.createIndex(
      { oauth_name: 1, account_id: 1 },
      { name: "tessera_account", unique: true },
    );
    await schema.oauthAccounts.createIndex({ user_id: 1 }, { name: "tessera_user" });
    await schema.passkeys.createIndex({ user_id: 1 }, { name: "tessera_user" });
    const accessTtl = await createdAtIndex(schema.accessTokens, ttl.accessTokens);
    const refreshTtl = await createdAtIndex(schema.refreshTokens, ttl.refreshTokens);
    if (accessTtl === "unsupported" || refreshTtl === "unsupported") return { ttl: "unsupported" };
    return { ttl: accessTtl === "created" || refreshTtl === "created" ? "created" : "off" };
  });
}

/** The index purges use, with the TTL when asked and the server has TTL indexes. */
async function createdAtIndex(
  collection: Collection<StoredDocument>,
  expireAfterSeconds: number | undefined,
): Promise<EnsureIndexesReport["ttl"]> {
  if (expireAfterSeconds !== undefined) {
    try {
      await collection.createIndex(
        { created_at: 1 },
        { name: "tessera_created_ttl", expireAfterSeconds },
      );
      return "created";
    } catch (error) {
      if (!isNotImplemented(error)) throw error;
    }
  }
  await collection.createIndex({ created_at: 1 }, { name: "tessera_created" });
  return expireAfterSeconds === undefined ? "off" : "unsupported";
}

/** FerretDB refuses options it has not implemented (`expireAfterSeconds` among them) with code 238. */
function isNotImplemented(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 238;
}
