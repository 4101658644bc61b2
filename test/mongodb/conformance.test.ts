import { type Db, MongoClient } from "mongodb";
import type { User } from "tessera-auth";
import { ensureIndexes, type MongoSchemaOptions, mongoAdapter } from "tessera-auth/mongodb";
import {
  type DatabaseFixture,
  runAccessTokenDatabaseSuite,
  runOAuthAccountDatabaseSuite,
  runRefreshTokenDatabaseSuite,
  runSecondFactorDatabaseSuite,
  runUserDatabaseSuite,
} from "tessera-auth/testing";
import { afterAll, describe } from "vitest";
import { MONGODB_URL, mongoTestDatabase, mongoUnavailable } from "../support/mongodb.js";

/**
 * The conformance suites on the MongoDB adapter, against a real server
 * (FerretDB over PostgreSQL here, any MongoDB with MONGODB_URL): ObjectIds
 * with the default collection names, UUIDs with custom ones.
 */
const VARIANTS: { name: string; options: MongoSchemaOptions; unknownId: string }[] = [
  { name: "objectid", options: {}, unknownId: "0123456789abcdef01234567" },
  {
    name: "uuid",
    options: { idType: "uuid", userCollection: "member", accessTokenCollection: "member_session" },
    unknownId: "00000000-0000-4000-8000-000000000000",
  },
];

const unavailable = await mongoUnavailable();
const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
const db: Db = client.db(mongoTestDatabase("conformance"));

/**
 * What FerretDB 1.x (over PostgreSQL) does not do as MongoDB does, so those
 * cases run only against a MongoDB server (MONGODB_URL). It applies an
 * update's filter in its own process and then writes by `_id`: concurrent
 * compare-and-sets on one document all apply. It pushes a filter down as
 * `_jsonb->'field' @> value`, which no index serves: every lookup is a scan.
 */
const FERRETDB_GAPS = {
  "concurrent conditional writes from one read: exactly one applies":
    "FerretDB 1.x does not apply an update's filter atomically with its write",
  "touch writes last_used_at only over a stale value, once among concurrent callers":
    "FerretDB 1.x does not apply an update's filter atomically with its write",
  "concurrent uses of one TOTP step: exactly one wins":
    "FerretDB 1.x does not apply an update's filter atomically with its write",
  "concurrent uses of one recovery code: exactly one wins":
    "FerretDB 1.x does not apply an update's filter atomically with its write",
  "concurrent uses of one passkey with one counter: exactly one wins":
    "FerretDB 1.x does not apply an update's filter atomically with its write",
  "large tables: getUserByToken stays an index lookup":
    "FerretDB 1.x reads every document for a lookup by _id (no index serves its filters)",
};
const ferretdb =
  unavailable === null &&
  (await client.db("admin").command({ buildInfo: 1 })).ferretdbVersion !== undefined;
afterAll(async () => {
  if (!unavailable) await db.dropDatabase();
  await client.close();
});

describe.skipIf(unavailable !== null)(
  `MongoDB adapter${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    for (const { name, options, unknownId } of VARIANTS) {
      let indexed: Promise<unknown> | undefined;
      const create = async (): Promise<DatabaseFixture<User<string>, string>> => {
        indexed ??= ensureIndexes(db, options);
        await indexed;
        const adapter = mongoAdapter(db, options);
        const { users, accessTokens, refreshTokens, sessions, oauthAccounts } =
          adapter.users.schema;
        const { totpSecrets, recoveryCodes, passkeys } = adapter.users.schema;
        const collections = [users, accessTokens, refreshTokens, sessions, oauthAccounts];
        collections.push(totpSecrets, recoveryCodes, passkeys);
        await Promise.all(collections.map((c) => c.deleteMany({})));
        const ids = adapter.users.schema.ids;
        return {
          ...adapter,
          storedTokens: async () => (await accessTokens.find().toArray()).map((doc) => doc._id),
          bulk: {
            async insertUsers(rows) {
              await users.insertMany(
                rows.map((row) => ({
                  _id: ids.generate(),
                  email: row.email,
                  email_key: row.email.toLowerCase(),
                  hashed_password: row.hashedPassword,
                  is_active: row.isActive,
                  is_superuser: row.isSuperuser,
                  is_verified: row.isVerified,
                  security_stamp: 0,
                })) as never,
              );
            },
            async insertTokens(rows) {
              await accessTokens.insertMany(
                rows.map((row) => ({
                  _id: row.token,
                  user_id: ids.toStored(row.userId),
                  created_at: row.createdAt,
                  security_stamp: row.securityStamp,
                })) as never,
              );
            },
            explainUserByToken: (token, notBefore) =>
              adapter.accessTokens.explainUserByToken(token, notBefore),
          },
        };
      };
      const suite = { create, unknownId, skip: ferretdb ? FERRETDB_GAPS : undefined };
      runUserDatabaseSuite(`mongodb ${name}`, suite);
      runAccessTokenDatabaseSuite(`mongodb ${name}`, suite);
      runRefreshTokenDatabaseSuite(`mongodb ${name}`, suite);
      runOAuthAccountDatabaseSuite(`mongodb ${name}`, suite);
      runSecondFactorDatabaseSuite(`mongodb ${name}`, suite);
    }
  },
);
