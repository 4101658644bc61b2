import { type IdType, PasswordHelper } from "tessera-auth";
import { connect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";

/** Argon2id at test-friendly cost: the same code path, a fraction of the time. */
export const cheapPasswords = () => new PasswordHelper({ memoryCost: 1024, timeCost: 1 });

/** A fresh in-memory SQLite database with tessera's tables and adapter, opened as `connect` opens it. */
export async function memoryDatabase<T extends IdType = "uuid">(idType: T = "uuid" as T) {
  const { db } = await connect("sqlite::memory:");
  await migrateToLatest(db, { idType });
  return { db, ...kyselyAdapter<T>(db, { idType }) };
}
