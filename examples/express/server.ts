import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../env.js";
import { createExpressApp } from "./app.js";

const { port, hostname, setup, label } = serverConfigFromEnv();
const { app, close } = await createExpressApp(setup);
const server = app.listen(port, hostname, () => {
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  console.log(`tessera on Express at http://${hostname}:${bound} (${label})`);
});
gracefulShutdown(server, { onShutdown: close });
