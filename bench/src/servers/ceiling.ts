/**
 * The fastest an authenticated request can be on this stack: Hono on
 * @hono/node-server (the demo's framework), the bearer header, one SHA-256,
 * one prepared better-sqlite3 JOIN over tessera's tables, the same five fields.
 * Hand-written, no library: tessera's overhead is measured against it.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";
import { DEMO_SERVER } from "../paths.js";

interface Row {
  id: string;
  email: string;
  is_active: number;
  is_superuser: number;
  is_verified: number;
}

const port = Number(process.env.PORT ?? 8000);
const hostname = process.env.HOST ?? "127.0.0.1";
const lifetimeMs = Number(process.env.TESSERA_TOKEN_LIFETIME ?? 3600) * 1000;

// The demo's connection settings (createSqliteDialect).
const file = process.env.DATABASE_FILE ?? "tessera.db";
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.pragma("foreign_keys = ON");
db.pragma("synchronous = NORMAL");
db.pragma("cache_size = -32768");
const userByToken = db.prepare<[string, string], Row>(
  `SELECT u.id, u.email, u.is_active, u.is_superuser, u.is_verified
   FROM accesstoken AS t JOIN "user" AS u ON u.id = t.user_id
   WHERE t.token = ? AND t.created_at >= ?`,
);

/** A date as tessera stores it in SQLite: naive UTC text, microseconds. */
function sqliteDate(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

const routed = process.env.CEILING_ROUTES === "demo";
const app = new Hono();
app.get("/health", (c) => c.json({ ok: true }));
// Routed, the handler sits where the demo's users router puts `/me` (on `/users/:id`, `/me` first),
// so both are routed alike; a static `/users/me` beside `/users/:id` would cost Hono its RegExpRouter.
app.get(routed ? "/users/:id" : "/users/me", async (c, next) => {
  if (routed && c.req.param("id") !== "me") return next();
  const authorization = c.req.header("authorization");
  if (!authorization?.startsWith("Bearer ")) return c.json({ detail: "Unauthorized" }, 401);
  const token = createHash("sha256").update(authorization.slice(7)).digest("base64url");
  const row = userByToken.get(token, sqliteDate(new Date(Date.now() - lifetimeMs)));
  if (!row?.is_active) return c.json({ detail: "Unauthorized" }, 401);
  return c.json({
    id: row.id,
    email: row.email,
    is_active: true,
    is_superuser: row.is_superuser === 1,
    is_verified: row.is_verified === 1,
  });
});

if (routed) {
  // The demo's whole route table behind the hand-written handler: me-sqlite over this isolates
  // what tessera itself adds, routing aside.
  const demoApp = pathToFileURL(join(dirname(DEMO_SERVER), "app.js")).href;
  const { createDemoApp } = (await import(demoApp)) as {
    createDemoApp(config: { databaseUrl: string }): Promise<{ app: Hono }>;
  };
  app.route("/", (await createDemoApp({ databaseUrl: `sqlite:${file}` })).app);
}

const server = serve({ fetch: app.fetch, port, hostname });
process.on("SIGTERM", () => server.close(() => process.exit(0)));
