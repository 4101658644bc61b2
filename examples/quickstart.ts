import Database from "better-sqlite3";
import { type Context, Hono } from "hono";
import { Kysely } from "kysely";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseStrategy,
  registerRoutes,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { currentUser, honoRoutes } from "tessera-auth/hono";
import { createSqliteDialect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";

// 1. Your database: tables `user` and `accesstoken` (FastAPI Users' layout), and the adapter.
const db = new Kysely<any>({ dialect: createSqliteDialect(new Database("app.db")) });
await migrateToLatest(db); // creates or upgrades the tables; safe on every start
const { users, accessTokens, assertReady } = kyselyAdapter(db);
await assertReady(); // migrating in a deploy step instead? this alone, before listening

// 2. The user manager: registration, login checks, updates, hooks. Passwords: 8 to 1024
//    characters, not the email (`defaultPasswordPolicy`; `validatePassword` replaces it).
const userManager = new UserManager(users, {
  hooks: {
    onAfterRegister: (user) => console.log(`User ${user.id} has registered.`),
  },
});

// 3. The database strategy, built per request: inject a request-scoped handle here if you have one.
function getDatabaseStrategy() {
  return new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 });
}

// 4. A backend pairs a transport (how the token travels) with the strategy (what it is).
const authBackend = new AuthenticationBackend({
  name: "database",
  transport: new BearerTransport({ tokenUrl: "auth/login" }),
  getStrategy: getDatabaseStrategy,
});

export const tessera = new Tessera<User, string, Context>({
  getUserManager: () => userManager,
  backends: [authBackend],
});

// 5. The routes (declared once, mounted with the framework's integration), and your own protected route.
export const app = new Hono();
app.route("/auth", honoRoutes(authRoutes(tessera, authBackend)));
app.route("/auth", honoRoutes(registerRoutes(tessera)));
app.route("/users", honoRoutes(usersRoutes(tessera)));
app.get("/authenticated-route", currentUser(tessera, { active: true }), (c) =>
  c.json({ message: `Hello ${c.var.user.email}!` }),
);
