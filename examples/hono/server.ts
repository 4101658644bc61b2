import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../env.js";
import { createHonoApp } from "./app.js";

const { port, hostname, setup, label } = serverConfigFromEnv();
const { app, close } = await createHonoApp(setup);
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`tessera on Hono at http://${hostname}:${info.port} (${label})`);
}) as Server;
gracefulShutdown(server, { onShutdown: close });
