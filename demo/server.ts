import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import { createDemoApp } from "./app.js";

const port = Number(process.env.PORT ?? 8000);
const hostname = process.env.HOST ?? "127.0.0.1";
const databaseUrl = process.env.DATABASE_URL ?? "sqlite:tessera.db";
const lifetimeSeconds = Number(process.env.TESSERA_TOKEN_LIFETIME ?? 3600);
if (!process.env.TESSERA_SECRET) {
  process.env.TESSERA_SECRET = randomBytes(32).toString("base64url");
  console.warn(
    "tessera: TESSERA_SECRET is not set; a random one was generated for this run, so reset and " +
      "verification tokens will not survive a restart. Set TESSERA_SECRET in production.",
  );
}

const demo = await createDemoApp({ databaseUrl, lifetimeSeconds });
const server = serve({ fetch: demo.app.fetch, port, hostname }, (info) => {
  console.log(`tessera demo on http://${hostname}:${info.port} (database: ${databaseUrl})`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    void demo.close().then(() => process.exit(0));
  });
}
