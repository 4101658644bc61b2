import type { Server } from "node:http";
import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../env.js";
import { exitOnStartupError, listenErrorLine, startOrExit } from "../startup-error.js";
import { createFastifyApp } from "./app.js";

const { port, hostname, app, close, label } = await startOrExit(async () => {
  const config = serverConfigFromEnv();
  return { ...config, ...(await createFastifyApp(config.setup)) };
});
const address = await app
  .listen({ port, host: hostname })
  .catch((error: unknown) => exitOnStartupError(listenErrorLine(error, port, hostname), error));
console.log(`tessera on Fastify at ${address} (${label})`);
gracefulShutdown(app.server as Server, { onShutdown: close });
