import { MongoClient } from "mongodb";
import { DatabaseNotMigrated } from "tessera-auth";
import { ensureIndexes, mongoAdapter } from "tessera-auth/mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { MONGODB_URL, mongoTestDatabase, mongoUnavailable } from "../support/mongodb.js";

const unavailable = await mongoUnavailable();
const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
const db = client.db(mongoTestDatabase("assert-ready"));
afterAll(async () => {
  if (!unavailable) await db.dropDatabase();
  await client.close();
});

describe.skipIf(unavailable !== null)(
  `the MongoDB adapter's startup check${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    it("throws DatabaseNotMigrated, one line naming the missing index and ensureIndexes, until the indexes exist", async () => {
      const adapter = mongoAdapter(db);
      const error = await adapter.assertReady().catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(DatabaseNotMigrated);
      expect((error as Error).message).toBe(
        'the database is not migrated: collection "user" has no index "tessera_email_key"; call ensureIndexes(db) at startup (from tessera-auth/mongodb)',
      );
      await ensureIndexes(db);
      await expect(adapter.assertReady()).resolves.toBeUndefined();
      await db.collection("refreshtoken").dropIndex("tessera_user");
      await expect(adapter.assertReady()).rejects.toThrow(
        'collection "refreshtoken" has no index "tessera_user"',
      );
    });
  },
);
