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
    const names = RouteTable.parameters(pattern);
    // One handler per pattern, for every method: Hono stays on its fast path. An answer
    // given at once goes back without a promise, which @hono/node-server writes at once too.
    app.all(pattern, function tessera(c): Response | Promise<Response> {
      // Only the pattern's own parameters, each read by name: cheaper than all of them.
      const params: Record<string, string | undefined> = {};
      for (const name of names) params[name] = c.req.param(name);
      const served = table.serve(pattern, params, new HonoRequest(c), c);
      if (served === null) return c.notFound();
      if (served instanceof Promise) return served.then((result) => honoResponse(c, result));
      return honoResponse(c, served);
    });
  }
  return app;
}
