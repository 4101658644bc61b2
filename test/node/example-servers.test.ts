import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";

const PASSWORD = "correct horse battery";

describe("npm run example:<framework>: each example server from its environment", () => {
  it.for(["hono", "express", "fastify"])(
    "%s: the contract at tessera's paths, the app's own routes, the framework's 404, SIGTERM exit 0",
    async (framework) => {
      const directory = await mkdtemp(join(tmpdir(), `tessera-${framework}-`));
      const server = await DemoProcess.start(`sqlite:${join(directory, "app.db")}`, {
        script: `examples/${framework}/server.ts`,
        env: { TESSERA_EXPOSE_TOKENS: "1" },
      });
      try {
        const json = { "content-type": "application/json" };
        const register = await server.fetch("/auth/register", {
          method: "POST",
          headers: json,
          body: JSON.stringify({ email: "ada@example.com", password: PASSWORD }),
        });
        expect(register.status).toBe(201);
        const login = await server.fetch("/auth/login", {
          method: "POST",
          body: new URLSearchParams({ username: "ada@example.com", password: PASSWORD }),
        });
        const { access_token } = (await login.json()) as { access_token: string };
        const headers = { authorization: `Bearer ${access_token}` };
        expect(await (await server.fetch("/users/me", { headers })).json()).toMatchObject({
          email: "ada@example.com",
        });
        expect(await (await server.fetch("/private", { headers })).json()).toEqual({
          email: "ada@example.com",
        });
        expect((await server.fetch("/private")).status).toBe(401);
        expect(await (await server.fetch("/hello")).json()).toEqual({ hello: "world" });
        expect(await (await server.fetch("/health")).json()).toEqual({ ok: true });
        const document = (await (await server.fetch("/openapi.json")).json()) as {
          paths: Record<string, unknown>;
        };
        expect(Object.keys(document.paths)).toEqual(
          expect.arrayContaining(["/auth/login", "/auth/cookie/login", "/users/{id}", "/health"]),
        );
        expect((await server.fetch("/docs")).status).toBe(200);
        // TESSERA_EXPOSE_TOKENS=1: the test outbox is served.
        expect((await server.fetch("/_test/tokens/ada@example.com")).status).toBe(200);
        expect((await server.fetch("/nope")).status).toBe(404);
      } finally {
        expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null });
        await rm(directory, { recursive: true, force: true });
      }
    },
  );
});
