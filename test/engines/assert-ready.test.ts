import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzleMysql } from "drizzle-orm/mysql2";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { type Context, Hono } from "hono";
import mysql from "mysql2/promise";
import pg from "pg";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseNotMigrated,
  DatabaseStrategy,
  Tessera,
  type User,
  UserManager,
} from "tessera-auth";
import { drizzleAdapter } from "tessera-auth/drizzle";
import { honoRoutes } from "tessera-auth/hono";
import { connect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

const FIX = "run `npx tessera-auth migrate` (or call migrateToLatest(db))";
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0)) await close();
});

async function unmigrated() {
  const connection = await connect(await freshDatabaseUrl());
  closers.push(() => connection.close());
  return connection.db;
}

/** What `check` rejects with: one line, tessera's error, naming the fix. */
async function notMigrated(check: Promise<unknown>): Promise<string> {
  const error = await check.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DatabaseNotMigrated);
  const { message } = error as Error;
  expect(message).not.toContain("\n");
  expect(message).toMatch(/^the database is not migrated: /);
  expect(message.endsWith(FIX)).toBe(true);
  return message;
}

describe(`on ${ENGINE}, an adapter's startup check`, () => {
  it("throws DatabaseNotMigrated, one line with the fix, on an unmigrated database; passes once migrated", async () => {
    const db = await unmigrated();
    const adapter = kyselyAdapter(db);
    expect(await notMigrated(adapter.assertReady())).toContain('table "user"');
    await migrateToLatest(db);
    await expect(adapter.assertReady()).resolves.toBeUndefined();
  });

  it("names a column the migrations add when it is missing", async () => {
    const db = await unmigrated();
    await migrateToLatest(db);
    await db.schema.alterTable("accesstoken").dropColumn("label").execute();
    const message = await notMigrated(kyselyAdapter(db).assertReady());
    expect(message).toContain('table "accesstoken"');
    expect(message).toContain("label");
  });

  it("checks the session records too (their amr column, from 0009)", async () => {
    const db = await unmigrated();
    await migrateToLatest(db);
    await db.schema.alterTable("authsession").dropColumn("amr").execute();
    const message = await notMigrated(kyselyAdapter(db).assertReady());
    expect(message).toContain('table "authsession"');
    expect(message).toContain("amr");
  });

  it("checks the second factors' tables too (from 0010)", async () => {
    const db = await unmigrated();
    await migrateToLatest(db);
    await db.schema.dropTable("passkey").execute();
    const message = await notMigrated(kyselyAdapter(db).assertReady());
    expect(message).toContain('table "passkey"');
  });

  it("checks the Drizzle adapter's tables the same way", async () => {
    const url = await freshDatabaseUrl();
    const { db, close } = await openDrizzle(url);
    closers.push(close);
    // On SQLite the adapter prepares its lookups at once: it is refused when built.
    const checked = Promise.resolve().then(() => drizzleAdapter(db).assertReady());
    expect(await notMigrated(checked)).toMatch(/user|accesstoken/);
    const migration = await connect(url);
    closers.push(() => migration.close());
    await migrateToLatest(migration.db);
    await expect(drizzleAdapter(db).assertReady()).resolves.toBeUndefined();
  });

  it("a request that meets a missing table answers 500 and logs one line with the fix", async () => {
    const db = await unmigrated();
    const { users, accessTokens } = kyselyAdapter(db);
    const backend = new AuthenticationBackend({
      name: "database",
      transport: new BearerTransport({ tokenUrl: "auth/login" }),
      getStrategy: () => new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 }),
    });
    const manager = new UserManager(users);
    const tessera = new Tessera<User, string, Context>({
      getUserManager: () => manager,
      backends: [backend],
      rateLimit: false,
    });
    const app = new Hono().route("/auth", honoRoutes(authRoutes(tessera, backend)));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const login = await app.request("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "ada@example.com", password: "a-password" }),
    });
    expect(login.status).toBe(500);
    expect(errors).toHaveBeenCalledTimes(1);
    const [line, ...rest] = errors.mock.calls[0] ?? [];
    expect(rest).toEqual([]);
    expect(line).toMatch(/^tessera: POST \/login: the database is not migrated: .*user/);
    expect(String(line).endsWith(FIX)).toBe(true);
    expect(line).not.toContain("\n");
  });
});

/** A Drizzle database on the URL's engine, over a driver connection of its own. */
async function openDrizzle(url: string) {
  if (ENGINE === "sqlite") {
    const file = new Database(url.slice("sqlite:".length));
    return { db: drizzleSqlite({ client: file }), close: async () => void file.close() };
  }
  if (ENGINE === "postgres") {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    return { db: drizzlePostgres({ client: pool }), close: () => pool.end() };
  }
  const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
  return { db: drizzleMysql(pool, { mode: "default" }), close: () => pool.end() };
}
