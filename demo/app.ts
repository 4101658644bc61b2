import { readFileSync } from "node:fs";
import { type Context, Hono } from "hono";
import { detail, statusDetail } from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import { createSetup, type SetupConfig } from "../examples/setup.js";

const PAGE = readFileSync(new URL("./page.html", import.meta.url), "utf8");

/**
 * The demo `npm start` runs: the examples' setup on Hono (FastAPI Users'
 * "full example" routes, /health, /openapi.json, /docs), a sign-in page at
 * `/`, and the contract's JSON answers for unknown paths and errors.
 */
export async function createDemoApp(config: SetupConfig = {}) {
  const setup = await createSetup<Context>({ title: "tessera demo", ...config });
  const app = new Hono();
  app.get("/", (c) => c.html(PAGE));
  app.get("/demo/providers", (c) => c.json({ providers: setup.providers }));
  // The provider sends the browser back to the API's callback: a navigation gets the
  // page, which calls the same URL (JSON, with this browser's state cookie).
  const providerReturn = (c: Context, next: () => Promise<void>) =>
    c.req.header("sec-fetch-mode") === "navigate" ||
    (!c.req.header("sec-fetch-mode") && /text\/html/.test(c.req.header("accept") ?? ""))
      ? c.html(PAGE)
      : next();
  // Static paths: a parameter beside /auth's static ones would cost Hono its RegExpRouter.
  for (const name of setup.providers) {
    app.get(`/auth/${name}/callback`, providerReturn);
    app.get(`/auth/associate/${name}/callback`, providerReturn);
  }
  app.all("/", (c) => json(c, detail(405, "Method Not Allowed", { allow: "GET, HEAD" })));
  for (const [prefix, routes] of setup.mounts) app.route(prefix, honoRoutes(routes));
  app.notFound((c) => json(c, statusDetail(404)));
  app.onError((error, c) => {
    console.error(`tessera demo: unhandled error on ${c.req.method} ${c.req.path}:`, error);
    return json(c, statusDetail(500));
  });
  return { ...setup, app };
}

function json(
  c: Context,
  result: { status: number; body?: unknown; headers?: Record<string, string> },
) {
  return c.json(result.body, result.status as 404, result.headers);
}
