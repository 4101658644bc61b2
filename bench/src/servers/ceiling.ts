/**
 * The fastest an authenticated request can be on the demo's stack: Hono on
 * @hono/node-server, the hand-written lookup of ceiling-lookup.ts in one
 * handler. tessera's overhead is measured against it.
 */
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { DEMO_SERVER } from "../paths.js";
import { file, hostname, port, UNAUTHORIZED, userByBearer } from "./ceiling-lookup.js";

const routed = process.env.CEILING_ROUTES === "demo";
const app = new Hono();
app.get("/health", (c) => c.json({ ok: true }));
// Routed, the handler sits where the demo's users router puts `/me` (on `/users/:id`, `/me` first),
// so both are routed alike; a static `/users/me` beside `/users/:id` would cost Hono its RegExpRouter.
app.get(routed ? "/users/:id" : "/users/me", async (c, next) => {
  if (routed && c.req.param("id") !== "me") return next();
  const user = userByBearer(c.req.header("authorization"));
  return user ? c.json(user) : c.json(UNAUTHORIZED, 401);
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
