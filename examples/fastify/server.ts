import type { Server } from "node:http";
import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../env.js";
import { createFastifyApp } from "./app.js";

const { port, hostname, setup, label } = serverConfigFromEnv();
const { app, close } = await createFastifyApp(setup);
const address = await app.listen({ port, host: hostname });
console.log(`tessera on Fastify at ${address} (${label})`);
gracefulShutdown(app.server as Server, { onShutdown: close });
