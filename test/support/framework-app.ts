import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express4 from "express4";
import fastify4 from "fastify4";
import { createDemoApp } from "../../demo/app.js";
import { createExpressApp } from "../../examples/express/app.js";
import { createFastifyApp } from "../../examples/fastify/app.js";
import { createHonoApp } from "../../examples/hono/app.js";
import type { Setup, SetupConfig } from "../../examples/setup.js";

/** The apps the HTTP suite runs against: the three example apps (two majors of Express and Fastify) and the demo. */
export type Framework = "hono" | "express" | "express4" | "fastify" | "fastify4" | "demo";
export const FRAMEWORKS: readonly Framework[] = [
  "hono",
  "express",
  "express4",
  "fastify",
  "fastify4",
  "demo",
];

/** The framework this test file runs on: its project's (`TESSERA_TEST_FRAMEWORK`), Hono otherwise. */
export const FRAMEWORK = (process.env.TESSERA_TEST_FRAMEWORK ?? "hono") as Framework;

/** An app listening on a free port of 127.0.0.1, with tessera's setup behind it. */
export interface RunningApp {
  readonly setup: Setup<any>;
  readonly server: Server;
  readonly url: string;
}

/** Builds `framework`'s app over `config` and starts it on `port` (0: a free one). */
export async function startApp(
  framework: Framework,
  config: SetupConfig,
  port = 0,
): Promise<RunningApp> {
  switch (framework) {
    case "hono":
    case "demo": {
      const built =
        framework === "demo" ? await createDemoApp(config) : await createHonoApp(config);
      return listening(
        built,
        serve({ fetch: built.app.fetch, port, hostname: "127.0.0.1" }) as Server,
      );
    }
    case "express":
    case "express4": {
      const built =
        framework === "express"
          ? await createExpressApp(config)
          : await createExpressApp(config, express4 as never);
      return listening(built, built.app.listen(port, "127.0.0.1"));
    }
    case "fastify":
    case "fastify4": {
      const built =
        framework === "fastify"
          ? await createFastifyApp(config)
          : await createFastifyApp(config, fastify4 as never);
      await built.app.listen({ port, host: "127.0.0.1" });
      return listening(built, built.app.server as Server);
    }
  }
}

async function listening(setup: Setup<any>, server: Server): Promise<RunningApp> {
  if (!server.listening) await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { setup, server, url: `http://127.0.0.1:${port}` };
}
