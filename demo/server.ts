import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { gracefulShutdown } from "tessera/node";
import { createDemoApp } from "./app.js";
import { redactUrl } from "./redact-url.js";

const port = Number(process.env.PORT ?? 8000);
const hostname = process.env.HOST ?? "127.0.0.1";
const databaseUrl = process.env.DATABASE_URL ?? "sqlite:tessera.db";
const lifetimeSeconds = Number(process.env.TESSERA_TOKEN_LIFETIME ?? 3600);
const exposeTokens = process.env.TESSERA_EXPOSE_TOKENS === "1";
const list = (value = "") =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
const trustedOrigins = list(process.env.TESSERA_TRUSTED_ORIGINS);
const trustedProxies = list(process.env.TESSERA_TRUSTED_PROXIES);
const rateLimitSetting = (process.env.TESSERA_RATE_LIMIT ?? "on").toLowerCase();
if (rateLimitSetting !== "on" && rateLimitSetting !== "off") {
  console.error(`tessera: TESSERA_RATE_LIMIT must be "on" or "off", not "${rateLimitSetting}"`);
  process.exit(2);
}
if (rateLimitSetting === "off") {
  console.warn(
    "tessera: TESSERA_RATE_LIMIT=off: login, register and email routes are not rate-limited.",
  );
}
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
  trustedProxies,
  rateLimit: rateLimitSetting === "off" ? false : {},
});
const server = serve({ fetch: demo.app.fetch, port, hostname }, (info) => {
  console.log(
    `tessera demo on http://${hostname}:${info.port} (database: ${redactUrl(databaseUrl)})`,
  );
  console.log(`  sign-in page: http://${hostname}:${info.port}/   API docs: /docs`);
}) as Server;

// SIGTERM or SIGINT: requests in flight finish, the database closes, exit code 0.
gracefulShutdown(server, { onShutdown: demo.close });
