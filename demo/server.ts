import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../examples/env.js";
import { createDemoApp } from "./app.js";

const { port, hostname, setup, label } = serverConfigFromEnv();
const demo = await createDemoApp(setup);
const server = serve({ fetch: demo.app.fetch, port, hostname }, (info) => {
  console.log(`tessera demo on http://${hostname}:${info.port} (${label})`);
  console.log(`  sign-in page: http://${hostname}:${info.port}/   API docs: /docs`);
}) as Server;

// SIGTERM or SIGINT: requests in flight finish, the database closes, exit code 0.
gracefulShutdown(server, { onShutdown: demo.close });
