import { type Context, Hono } from "hono";
import type { RouteGroup } from "../../http/route.js";
import { RouteTable } from "../../http/route-table.js";
import { HonoRequest } from "./hono-request.js";
import { honoResponse } from "./hono-response.js";

/**
 * A group of tessera's routes as a Hono app, to mount with `app.route(prefix, …)`.
 * Paths it does not serve fall through to the app's own routes and 404.
 *
 * @example
 * app.route("/auth", honoRoutes(authRoutes(tessera, bearer)));
 * app.route("/users", honoRoutes(usersRoutes(tessera)));
 */
export function honoRoutes(group: RouteGroup<Context>): Hono {
  const table = new RouteTable(group);
  const app = new Hono();
  for (const pattern of table.patterns) {
    // One handler per pattern, for every method: Hono stays on its fast path.
    app.all(pattern, async function tessera(c) {
      const served = table.serve(pattern, c.req.param(), new HonoRequest(c), c);
      return served === null ? c.notFound() : honoResponse(c, await served);
    });
  }
  return app;
}
