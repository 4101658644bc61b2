import { gracefulShutdown } from "tessera-auth/node";
import { serverConfigFromEnv } from "../env.js";
import { exitOnListenError, startOrExit } from "../startup-error.js";
import { createExpressApp } from "./app.js";

const { port, hostname, app, close, label } = await startOrExit(async () => {
  const config = serverConfigFromEnv();
  return { ...config, ...(await createExpressApp(config.setup)) };
});
const server = app.listen(port, hostname, () => {
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  console.log(`tessera on Express at http://${hostname}:${bound} (${label})`);
});
exitOnListenError(server, port, hostname);
gracefulShutdown(server, { onShutdown: close });
