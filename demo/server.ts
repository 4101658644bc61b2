import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../examples/env.js";
import { exitOnListenError, startOrExit } from "../examples/startup-error.js";
import { createDemoApp } from "./app.js";

// A setting that cannot work ends the process here: one line naming it on stderr, exit code 1.
const { port, hostname, demo, label } = await startOrExit(async () => {
  const config = serverConfigFromEnv();
  return { ...config, demo: await createDemoApp(config.setup) };
});
const server = serve({ fetch: demo.app.fetch, port, hostname }, (info) => {
  console.log(`tessera demo on http://${hostname}:${info.port} (${label})`);
  console.log(`  sign-in page: http://${hostname}:${info.port}/   API docs: /docs`);
}) as Server;
exitOnListenError(server, port, hostname);

// SIGTERM or SIGINT: requests in flight finish, the database closes, exit code 0.
gracefulShutdown(server, { onShutdown: demo.close });
