import Fastify from "fastify";
import type { User } from "tessera-auth";
import { currentUser, type FastifyRequestLike, fastifyRoutes } from "tessera-auth/fastify";
import { createSetup, type SetupConfig } from "../setup.js";

/** tessera on Fastify 4 or 5: each route group an encapsulated plugin under its prefix. */
export async function createFastifyApp(config: SetupConfig = {}, framework = Fastify) {
  const setup = await createSetup<FastifyRequestLike>(config);
  const app = framework();
  app.decorateRequest("user", null);
  for (const [prefix, routes] of setup.mounts) {
    await app.register(fastifyRoutes(routes), { prefix: prefix === "/" ? "" : prefix });
  }
  app.get("/hello", async () => ({ hello: "world" }));
  app.get(
    "/private",
    { preHandler: currentUser(setup.tessera, { active: true }) },
    async (request) => ({ email: (request as typeof request & { user: User }).user.email }),
  );
  return { ...setup, app };
}
