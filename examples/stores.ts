import { Kysely } from "kysely";
import type { Db } from "mongodb";
import type { User } from "tessera-auth";
import type { DrizzleAdapter } from "tessera-auth/drizzle";
import {
  type ConnectOptions,
  connect,
  createSqliteDialect,
  type KyselyAdapter,
  kyselyAdapter,
  migrateToLatest,
  type SchemaOptions,
} from "tessera-auth/kysely";
import type { MongoAdapter } from "tessera-auth/mongodb";

/** Which adapter serves a SQL database. */
export type SqlAdapterName = "kysely" | "drizzle";

/** What the setup needs to open its database. */
export interface StoreConfig {
  adapter?: SqlAdapterName;
  connectOptions?: ConnectOptions;
  schema?: Omit<SchemaOptions<"uuid">, "idType">;
}

type Stores = KyselyAdapter<User<string>, string> | DrizzleAdapter<User<string>, string>;

/** The app's database, opened and migrated: SQL (through Kysely or Drizzle), or MongoDB. */
export type Store =
  | { kind: "sql"; db: Kysely<any>; adapter: Stores; close(): Promise<void> }
  | { kind: "mongodb"; db: Db; adapter: MongoAdapter<User<string>>; close(): Promise<void> };

/**
 * Opens `databaseUrl` with tessera's tables (migrated) or indexes (MongoDB),
 * and checks them with the adapter's `assertReady()` before the app listens.
 * The MongoDB and Drizzle modules load only when asked for: a server on the
 * Kysely adapter carries neither.
 * With the Drizzle adapter, a Drizzle database over a driver of its own serves
 * the stores (on SQLite the very file handle the migrations used, so that
 * `sqlite::memory:` is one database); Kysely stays for the migrations.
 */
export async function openStore(databaseUrl: string, config: StoreConfig): Promise<Store> {
  if (/^mongodb(\+srv)?:/.test(databaseUrl)) return openMongo(databaseUrl, config);
  if (config.adapter === "drizzle") return openDrizzle(databaseUrl, config);
  const connection = await connect(databaseUrl, config.connectOptions);
  try {
    await migrateToLatest(connection.db, config.schema);
    const adapter = kyselyAdapter(connection.db, config.schema);
    await adapter.assertReady();
    return { kind: "sql", db: connection.db, adapter, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function openMongo(databaseUrl: string, config: StoreConfig): Promise<Store> {
  const { connectMongo, ensureIndexes, mongoAdapter } = await import("tessera-auth/mongodb");
  const connection = await connectMongo(databaseUrl);
  // UUIDs, as the contract's ids (MongoDB's own ObjectIds are the adapter's default).
  const options = {
    idType: "uuid" as const,
    userCollection: config.schema?.userTable,
    accessTokenCollection: config.schema?.accessTokenTable,
    refreshTokenCollection: config.schema?.refreshTokenTable,
    userFields: config.schema?.userFields,
  };
  const adapter = mongoAdapter(connection.db, options);
  try {
    await ensureIndexes(connection.db, options);
    await adapter.assertReady();
  } catch (error) {
    await connection.close();
    throw error;
  }
  return { kind: "mongodb", db: connection.db, adapter, close: () => connection.close() };
}

async function openDrizzle(databaseUrl: string, config: StoreConfig): Promise<Store> {
  const { drizzleAdapter } = await import("tessera-auth/drizzle");
  let kysely: Kysely<any>;
  let db: any;
  let closeDriver: () => Promise<void>;
  if (databaseUrl.startsWith("sqlite:")) {
    // The module's default export is the constructor (CommonJS).
    const { default: Database } = (await import("better-sqlite3")) as unknown as {
      default: typeof import("better-sqlite3");
    };
    const { drizzle } = await import("drizzle-orm/better-sqlite3");
    const file = new Database(sqliteFile(databaseUrl));
    kysely = new Kysely<any>({ dialect: createSqliteDialect(file) });
    db = drizzle({ client: file });
    closeDriver = async () => {};
  } else {
    kysely = (await connect(databaseUrl, config.connectOptions)).db;
    if (/^postgres(ql)?:/.test(databaseUrl)) {
      const { default: pg } = await import("pg");
      const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
      pool.on("error", () => {}); // a connection the server kills fails its query, not the process
      const { drizzle } = await import("drizzle-orm/node-postgres");
      db = drizzle({ client: pool });
      closeDriver = () => pool.end();
    } else {
      const { createPool } = await import("mysql2/promise");
      const pool = createPool({
        uri: databaseUrl.replace(/^mariadb:/, "mysql:"),
        connectTimeout: 5000,
      });
      const { drizzle } = await import("drizzle-orm/mysql2");
      db = drizzle(pool, { mode: "default" });
      closeDriver = () => pool.end();
    }
  }
  const close = async () => {
    await closeDriver();
    await kysely.destroy();
  };
  try {
    await migrateToLatest(kysely, config.schema);
    // Built once migrated: on SQLite the adapter prepares its lookups against the tables.
    const adapter = drizzleAdapter(db, config.schema);
    await adapter.assertReady();
    return { kind: "sql", db: kysely, adapter, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `sqlite:file.db`, `sqlite:///abs.db` or `sqlite::memory:`, as `connect` reads them. */
function sqliteFile(url: string): string {
  const rest = url.slice("sqlite:".length);
  if (rest === ":memory:" || rest === "//:memory:") return ":memory:";
  return rest.startsWith("//") ? rest.slice(2) : rest;
}

/** Stands for the SQL database of a setup on MongoDB: any use throws, saying why. */
export function noSqlDatabase(): Kysely<any> {
  return new Proxy({} as Kysely<any>, {
    get() {
      throw new Error("this setup runs on MongoDB: it has no SQL database (see setup.mongo)");
    },
  });
}
