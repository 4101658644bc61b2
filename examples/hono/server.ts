import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../env.js";
import { exitOnListenError, startOrExit } from "../startup-error.js";
import { createHonoApp } from "./app.js";

const { port, hostname, app, close, label } = await startOrExit(async () => {
  const config = serverConfigFromEnv();
  return { ...config, ...(await createHonoApp(config.setup)) };
});
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`tessera on Hono at http://${hostname}:${info.port} (${label})`);
}) as Server;
exitOnListenError(server, port, hostname);
gracefulShutdown(server, { onShutdown: close });
