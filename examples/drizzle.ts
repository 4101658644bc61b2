import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { Kysely } from "kysely";
import { drizzleAdapter, drizzleTables } from "tessera-auth/drizzle";
import { createSqliteDialect, migrateToLatest } from "tessera-auth/kysely";

// The quick start on Drizzle: only step 1 changes. tessera's migrations make the tables (or
// `npx tessera-auth migrate`); drizzleTables gives them to your schema, to query and join.
const sqlite = new Database(process.env.APP_DB ?? "app.db");
await migrateToLatest(new Kysely<any>({ dialect: createSqliteDialect(sqlite) }));
export const tables = drizzleTables("sqlite"); // or "postgres", "mysql"; with the same options
export const db = drizzle({ client: sqlite, schema: tables });
export const { users, accessTokens } = drizzleAdapter(db, { tables });
