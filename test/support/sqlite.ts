import Database from "better-sqlite3";
import { Kysely } from "kysely";
import { type IdType, PasswordHelper } from "tessera-auth";
import { createSqliteDialect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";

/** Argon2id at test-friendly cost: the same code path, a fraction of the time. */
export const cheapPasswords = () => new PasswordHelper({ memoryCost: 1024, timeCost: 1 });

/** A fresh in-memory SQLite database with tessera's tables and adapter. */
export async function memoryDatabase<T extends IdType = "uuid">(idType: T = "uuid" as T) {
  const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
  await migrateToLatest(db, { idType });
  return { db, ...kyselyAdapter<T>(db, { idType }) };
}
