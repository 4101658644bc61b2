import type { Db } from "mongodb";
import type { User } from "../../core/models.js";
import { assertReady } from "./assert-ready.js";
import { MongoAccessTokenDatabase } from "./mongo-access-token-database.js";
import { MongoOAuthAccountDatabase } from "./mongo-oauth-account-database.js";
import { MongoRefreshTokenDatabase } from "./mongo-refresh-token-database.js";
import { MongoSecondFactorDatabase } from "./mongo-second-factor-database.js";
import { MongoUserDatabase } from "./mongo-user-database.js";
import { type MongoSchemaOptions, resolveMongoSchema } from "./schema.js";

export { connectMongo, type MongoConnection } from "./connect-mongo.js";
export {
  type EnsureIndexesOptions,
  type EnsureIndexesReport,
  ensureIndexes,
} from "./ensure-indexes.js";
export type { MongoIdType } from "./ids.js";
export { MongoAccessTokenDatabase } from "./mongo-access-token-database.js";
export { MongoOAuthAccountDatabase } from "./mongo-oauth-account-database.js";
export { MongoRefreshTokenDatabase } from "./mongo-refresh-token-database.js";
export { MongoSecondFactorDatabase } from "./mongo-second-factor-database.js";
export { MongoUserDatabase } from "./mongo-user-database.js";
export type { MongoSchema, MongoSchemaOptions } from "./schema.js";

/** The databases of the MongoDB adapter, sharing one set of collections. */
export interface MongoAdapter<U extends User<string>> {
  users: MongoUserDatabase<U>;
  accessTokens: MongoAccessTokenDatabase<U>;
  /** For `DatabaseStrategy({ refreshTokens })`. */
  refreshTokens: MongoRefreshTokenDatabase<U>;
  /** Accounts at identity providers linked to users (sign-in with OAuth). */
  oauthAccounts: MongoOAuthAccountDatabase;
  /** Users' second factors: TOTP secrets, recovery codes, passkeys. */
  secondFactors: MongoSecondFactorDatabase;
  /**
   * Throws `DatabaseNotMigrated` (one line: the missing index, and "call
   * ensureIndexes(db)") unless every index `ensureIndexes` creates is there:
   * call it before listening.
   */
  assertReady(): Promise<void>;
}

/**
 * The user, access-token and refresh-token databases over one MongoDB
 * database (the official driver's `Db`; MongoDB, or a server speaking its
 * protocol such as FerretDB). Ids are strings: an ObjectId's hex, or a UUID.
 * Run {@link ensureIndexes} once at startup with the same options.
 *
 * @example
 * const { db } = await connectMongo("mongodb://127.0.0.1:27017/app");
 * await ensureIndexes(db);
 * const { users, accessTokens } = mongoAdapter(db);
 */
export function mongoAdapter<U extends User<string> = User<string>>(
  db: Db,
  options: MongoSchemaOptions = {},
): MongoAdapter<U> {
  const schema = resolveMongoSchema(db, options);
  return {
    users: new MongoUserDatabase<U>(schema),
    accessTokens: new MongoAccessTokenDatabase<U>(schema),
    refreshTokens: new MongoRefreshTokenDatabase<U>(schema),
    oauthAccounts: new MongoOAuthAccountDatabase(schema),
    secondFactors: new MongoSecondFactorDatabase(schema),
    assertReady: () => assertReady(schema),
  };
}
