import { MongoClient } from "mongodb";
import { ensureIndexes, mongoAdapter } from "tessera-auth/mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { MONGODB_URL, mongoTestDatabase, mongoUnavailable } from "../support/mongodb.js";

const unavailable = await mongoUnavailable();
const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
const db = client.db(mongoTestDatabase("indexes"));
afterAll(async () => {
  if (!unavailable) await db.dropDatabase();
  await client.close();
});

describe.skipIf(unavailable !== null)(
  `ensureIndexes${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    const names = async (collection: string) =>
      (await db.collection(collection).listIndexes().toArray()).map((index) => index.name).sort();

    it("creates what the queries need, and runs again on every start without harm", async () => {
      expect(await ensureIndexes(db)).toEqual({ ttl: "off" });
      expect(await ensureIndexes(db)).toEqual({ ttl: "off" });
      expect(await names("user")).toEqual(["_id_", "tessera_email_key"]);
      expect(await names("accesstoken")).toEqual([
        "_id_",
        "tessera_created",
        "tessera_family",
        "tessera_user_created",
      ]);
      expect(await names("refreshtoken")).toEqual([
        "_id_",
        "tessera_created",
        "tessera_family",
        "tessera_user",
      ]);
      expect(await names("authsession")).toEqual(["_id_", "tessera_user"]);
      expect(await names("oauth_account")).toEqual(["_id_", "tessera_account", "tessera_user"]);
    });

    it("makes emails unique ignoring case, at the server", async () => {
      await ensureIndexes(db);
      const { users } = mongoAdapter(db);
      await users.create({
        email: "Ada@Example.com",
        hashedPassword: "x",
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      });
      await expect(
        db.collection("user").insertOne({ email: "ada@example.com", email_key: "ada@example.com" }),
      ).rejects.toMatchObject({ code: expect.any(Number) });
      expect(await db.collection("user").countDocuments()).toBe(1);
    });

    it("asks the server to expire tokens (TTL) when told, and says when it cannot", async () => {
      const ttlDb = client.db(mongoTestDatabase("ttl"));
      try {
        const ferretdb = (await client.db("admin").command({ buildInfo: 1 })).ferretdbVersion;
        const report = await ensureIndexes(ttlDb, {
          expireAfterSeconds: { accessTokens: 3600, refreshTokens: 86_400 },
        });
        expect(report).toEqual({ ttl: ferretdb === undefined ? "created" : "unsupported" });
        const indexes = await ttlDb.collection("accesstoken").listIndexes().toArray();
        const onCreatedAt = indexes.find((index) => index.key?.created_at === 1);
        expect(onCreatedAt?.expireAfterSeconds).toBe(ferretdb === undefined ? 3600 : undefined);
      } finally {
        await ttlDb.dropDatabase();
      }
    });

    it("refuses an expiry that is not a positive whole number of seconds", async () => {
      for (const seconds of [0, -1, 1.5, Number.NaN]) {
        await expect(
          ensureIndexes(db, { expireAfterSeconds: { accessTokens: seconds } }),
        ).rejects.toThrow(RangeError);
      }
    });
  },
);
