import { connectMongo, ensureIndexes, mongoAdapter } from "tessera-auth/mongodb";

// The quick start on MongoDB: only step 1 changes. Ids are ObjectIds ({ idType: "uuid" } for UUIDs).
export const mongo = await connectMongo(process.env.MONGODB_URL ?? "mongodb://127.0.0.1:27017/app");
await ensureIndexes(mongo.db); // a unique index on emails, indexes on tokens; safe on every start
export const { users, accessTokens } = mongoAdapter(mongo.db);
