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
  DatabaseStrategy,
  PasswordHelper,
  registerRoutes,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { drizzleAdapter } from "tessera-auth/drizzle";
import { honoRoutes } from "tessera-auth/hono";
import { connect, migrateToLatest } from "tessera-auth/kysely";
import { expect, it } from "vitest";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

/** A Drizzle database on the URL's engine, over a driver connection of its own. */
async function openDrizzle(url: string) {
  if (ENGINE === "sqlite") {
    const file = new Database(url.slice("sqlite:".length));
    return { db: drizzleSqlite({ client: file }), close: async () => file.close() };
  }
  if (ENGINE === "postgres") {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    return { db: drizzlePostgres({ client: pool }), close: () => pool.end() };
  }
  const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
  return { db: drizzleMysql(pool, { mode: "default" }), close: () => pool.end() };
}

it(`on ${ENGINE}, a Drizzle adapter built per request (as the seed's factory builds its database) serves concurrent requests`, async () => {
  const url = await freshDatabaseUrl();
  const migration = await connect(url);
  await migrateToLatest(migration.db);
  await migration.close();
  const { db, close } = await openDrizzle(url);
  try {
    let built = 0;
    const backend = new AuthenticationBackend({
      name: "database",
      transport: new BearerTransport({ tokenUrl: "auth/login" }),
      getStrategy: () => {
        built++;
        return new DatabaseStrategy(drizzleAdapter(db).accessTokens, { lifetimeSeconds: 3600 });
      },
    });
    const manager = new UserManager(drizzleAdapter(db).users, {
      passwordHelper: new PasswordHelper({ memoryCost: 1024, timeCost: 1 }),
    });
    const tessera = new Tessera<User, string, Context>({
      getUserManager: () => manager,
      backends: [backend],
    });
    const app = new Hono();
    app.route("/auth", honoRoutes(authRoutes(tessera, backend)));
    app.route("/auth", honoRoutes(registerRoutes(tessera)));
    app.route("/users", honoRoutes(usersRoutes(tessera)));

    const password = "analytical engine";
    const register = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", password }),
    });
    expect(register.status).toBe(201);
    const tokens = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const login = await app.request("/auth/login", {
          method: "POST",
          body: new URLSearchParams({ username: "ada@example.com", password }),
        });
        expect(login.status).toBe(200);
        return ((await login.json()) as { access_token: string }).access_token;
      }),
    );
    const me = (token: string) =>
      app.request("/users/me", { headers: { authorization: `Bearer ${token}` } });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, n) => (await me(tokens[n % 4] as string)).status),
    );
    expect(statuses).toEqual(Array(40).fill(200));
    const logout = await app.request("/auth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${tokens[0]}` },
    });
    expect(logout.status).toBe(204);
    expect((await me(tokens[0] as string)).status).toBe(401);
    expect((await me(tokens[1] as string)).status).toBe(200);
    expect(built).toBeGreaterThanOrEqual(46);
  } finally {
    await close();
  }
});
