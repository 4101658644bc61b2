import { type Kysely, sql } from "kysely";
import { connect } from "tessera-auth/kysely";
import { databaseOf, type ServerEngine, serverUrl } from "./engines.js";

/** Runs `use` on a short-lived connection to the engine's base test database. */
export async function withServer<T>(
  engine: ServerEngine,
  use: (db: Kysely<any>) => Promise<T>,
): Promise<T> {
  const { db, close } = await connect(serverUrl(engine), { poolSize: 1, connectTimeoutMs: 3000 });
  try {
    return await use(db);
  } finally {
    await close();
  }
}

/** The prefix of every database a test run creates: `<base>_r`. */
export function runDatabasePrefix(engine: ServerEngine): string {
  return `${databaseOf(serverUrl(engine))}_r`;
}

/** Databases on the server whose names start with `prefix`. */
export async function listDatabases(db: Kysely<any>, engine: ServerEngine, prefix: string) {
  const query =
    engine === "postgres"
      ? sql<{ name: string }>`select datname as name from pg_database`
      : sql<{ name: string }>`select schema_name as name from information_schema.schemata`;
  const { rows } = await query.execute(db);
  return rows.map((row) => row.name).filter((name) => name.startsWith(prefix));
}

/** Creates the database unless it exists. */
export async function createDatabase(db: Kysely<any>, engine: ServerEngine, name: string) {
  if (engine === "mysql") {
    await sql`create database if not exists ${sql.id(name)}`.execute(db);
    return;
  }
  const { rows } = await sql`select 1 from pg_database where datname = ${name}`.execute(db);
  if (rows.length > 0) return;
  try {
    // template0 accepts no connections, so no other session can block the copy.
    await sql`create database ${sql.id(name)} template template0`.execute(db);
  } catch (error) {
    if ((error as { code?: string }).code !== "42P04") throw error; // created meanwhile
  }
}

/** Drops the database, closing its sessions on PostgreSQL. */
export async function dropDatabase(db: Kysely<any>, engine: ServerEngine, name: string) {
  if (engine === "mysql") await sql`drop database if exists ${sql.id(name)}`.execute(db);
  else await sql`drop database if exists ${sql.id(name)} with (force)`.execute(db);
}
