import { type Db, MongoClient } from "mongodb";
import { DatabaseStrategy } from "tessera-auth";
import { ensureIndexes, mongoAdapter } from "tessera-auth/mongodb";
import { runSessionRaceSuite } from "tessera-auth/testing";
import { afterAll, describe } from "vitest";
import { MONGODB_URL, mongoTestDatabase, mongoUnavailable } from "../support/mongodb.js";

/**
 * The session race kit on the MongoDB adapter (FerretDB here, whose update
 * filters are not atomic), through the database strategy with a cap of
 * three: with rotating refresh tokens, and with access tokens alone.
 */
const unavailable = await mongoUnavailable();
const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
const db: Db = client.db(mongoTestDatabase("session-races"));
afterAll(async () => {
  if (!unavailable) await db.dropDatabase();
  await client.close();
});

describe.skipIf(unavailable !== null)(
  `MongoDB adapter${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let indexed: Promise<unknown> | undefined;
    for (const refreshing of [true, false]) {
      runSessionRaceSuite(`mongodb, ${refreshing ? "refresh tokens" : "access tokens"}`, {
        capped: true,
        async create() {
          indexed ??= ensureIndexes(db);
          await indexed;
          const { users, accessTokens, refreshTokens, oauthAccounts } = mongoAdapter(db);
          return {
            users,
            oauthAccounts,
            strategy: (clock) =>
              new DatabaseStrategy(accessTokens, {
                lifetimeSeconds: 3600,
                clock,
                maxSessionsPerUser: 3,
                refreshTokens: refreshing ? { database: refreshTokens } : undefined,
              }),
          };
        },
      });
    }
  },
);
