/**
 * Better Auth on the same framework as the demo (Hono on @hono/node-server),
 * over SQLite through better-sqlite3, with its cookie cache off so that every
 * get-session reads the database. The peer tessera is compared with.
 */
import { serve } from "@hono/node-server";
import { betterAuth } from "better-auth";
import Database from "better-sqlite3";
import { Hono } from "hono";

/** Better Auth's options for the bench: email and password, no cookie cache, no rate limit. */
export function betterAuthOptions(database: Database.Database, baseURL: string) {
  return {
    database,
    baseURL,
    secret: process.env.BETTER_AUTH_SECRET ?? "tessera-bench-secret-0123456789abcdef",
    emailAndPassword: { enabled: true },
    session: { cookieCache: { enabled: false } },
    // tessera has no rate limiter; with Better Auth's on, the load would get 429s.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
  };
}

if (process.argv[1] === import.meta.filename) {
  const port = Number(process.env.PORT ?? 8000);
  const hostname = process.env.HOST ?? "127.0.0.1";
  const file = process.env.DATABASE_FILE ?? "better-auth.db";
  const auth = betterAuth(betterAuthOptions(new Database(file), `http://${hostname}:${port}`));
  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true }));
  app.on(["GET", "POST"], "/api/auth/*", (c) => auth.handler(c.req.raw));
  const server = serve({ fetch: app.fetch, port, hostname });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}
