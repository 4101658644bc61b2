import { type Context, Hono } from "hono";
import { currentUser, honoRoutes } from "tessera-auth/hono";
import { createSetup, type SetupConfig } from "../setup.js";

/** tessera on Hono, and the app's own `GET /hello` and guarded `GET /private`. */
export async function createHonoApp(config: SetupConfig = {}) {
  const setup = await createSetup<Context>(config);
  const app = new Hono();
  for (const [prefix, routes] of setup.mounts) app.route(prefix, honoRoutes(routes));
  app.get("/hello", (c) => c.json({ hello: "world" }));
  app.get("/private", currentUser(setup.tessera, { active: true }), (c) =>
    c.json({ email: c.var.user.email }),
  );
  return { ...setup, app };
}
