import express from "express";
import { currentUser, type ExpressRequestLike, expressRoutes } from "tessera-auth/express";
import { createSetup, type SetupConfig } from "../setup.js";

/** tessera on Express 4 or 5, after the app's own `express.json()`, as most apps have it. */
export async function createExpressApp(config: SetupConfig = {}, framework = express) {
  const setup = await createSetup<ExpressRequestLike>(config);
  const app = framework();
  app.disable("x-powered-by");
  app.use(framework.json());
  for (const [prefix, routes] of setup.mounts) app.use(prefix, expressRoutes(routes));
  app.get("/hello", (_req, res) => {
    res.json({ hello: "world" });
  });
  app.get("/private", currentUser(setup.tessera, { active: true }), (req, res) => {
    res.json({ email: req.user?.email });
  });
  return { ...setup, app };
}
