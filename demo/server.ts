import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import { createDemoApp } from "./app.js";

const port = Number(process.env.PORT ?? 8000);
const hostname = process.env.HOST ?? "127.0.0.1";
const databaseUrl = process.env.DATABASE_URL ?? "sqlite:tessera.db";
const lifetimeSeconds = Number(process.env.TESSERA_TOKEN_LIFETIME ?? 3600);
const exposeTokens = process.env.TESSERA_EXPOSE_TOKENS === "1";
const trustedOrigins = (process.env.TESSERA_TRUSTED_ORIGINS ?? "")
  .split(",")
  .map((origin) => origin.trim())
  .filter(Boolean);
let secret = process.env.TESSERA_SECRET;
if (!secret) {
  secret = randomBytes(32).toString("base64url");
  console.warn(
    "tessera: TESSERA_SECRET is not set; a random one was generated for this run, so reset and " +
      "verification tokens will not survive a restart. Set TESSERA_SECRET in production.",
  );
}
if (exposeTokens) {
  const rule = "!".repeat(78);
  console.warn(
    [
      rule,
      "!! TESSERA_EXPOSE_TOKENS=1: GET /_test/tokens/{email} hands out the reset-password and",
      "!! verification tokens of ANY account to ANYONE. For black-box tests only: never run",
      "!! this where real users are.",
      rule,
    ].join("\n"),
  );
}

const baseUrl = process.env.TESSERA_BASE_URL ?? `http://${hostname}:${port}`;
const demo = await createDemoApp({
  databaseUrl,
  lifetimeSeconds,
  secret,
  baseUrl,
  exposeTokens,
  trustedOrigins,
});
const server = serve({ fetch: demo.app.fetch, port, hostname }, (info) => {
  console.log(`tessera demo on http://${hostname}:${info.port} (database: ${databaseUrl})`);
  console.log(`  sign-in page: http://${hostname}:${info.port}/   API docs: /docs`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    void demo.close().then(() => process.exit(0));
  });
}
