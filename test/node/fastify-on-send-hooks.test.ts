import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import Fastify from "fastify";
import fastify4 from "fastify4";
import { describe, expect, it } from "vitest";
import { createFastifyApp } from "../../examples/fastify/app.js";
import { cheapPasswords } from "../support/sqlite.js";

const PASSWORD = "correct horse battery";

describe("tessera's Fastify routes under the app's own asynchronous onSend hook", () => {
  it.for([
    ["Fastify 5", Fastify],
    ["Fastify 4", fastify4],
  ] as const)(
    "%s: every answer goes out once and whole, awaited or at once",
    async ([, framework]) => {
      // A hook that really waits, longest on its first run for a request: a route that let Fastify
      // send again meanwhile would have the second send (an empty body) written first.
      const runs = new WeakMap<object, number>();
      const withSlowHook = ((options?: object) => {
        const app = (framework as unknown as typeof Fastify)(options);
        app.addHook("onSend", async (request, reply, payload) => {
          const run = (runs.get(request) ?? 0) + 1;
          runs.set(request, run);
          await delay(run === 1 ? 20 : 1);
          reply.header("x-hooked", String(run));
          return payload;
        });
        return app;
      }) as never;
      const { app, close } = await createFastifyApp(
        { databaseUrl: "sqlite::memory:", rateLimit: false, passwordHelper: cheapPasswords() },
        withSlowHook,
      );
      try {
        await app.listen({ port: 0, host: "127.0.0.1" });
        const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        const register = await fetch(`${url}/auth/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "ada@example.com", password: PASSWORD }),
        });
        expect(register.status).toBe(201);
        expect(await register.json()).toMatchObject({ email: "ada@example.com" });
        const login = await fetch(`${url}/auth/login`, {
          method: "POST",
          body: new URLSearchParams({ username: "ada@example.com", password: PASSWORD }),
        });
        expect(login.headers.get("x-hooked")).toBe("1"); // its hook ran once: one send
        const { access_token } = (await login.json()) as { access_token: string };
        const headers = { authorization: `Bearer ${access_token}` };
        for (const path of ["/users/me", "/users/me/sessions", "/private"]) {
          const answer = await fetch(`${url}${path}`, { headers });
          expect([path, answer.status, answer.headers.get("x-hooked")]).toEqual([path, 200, "1"]);
          expect(JSON.stringify(await answer.json())).toContain(
            path === "/users/me/sessions" ? "current" : "ada@",
          );
        }
        const refused = await fetch(`${url}/users/me`);
        expect([refused.status, await refused.json()]).toEqual([401, { detail: "Unauthorized" }]);
      } finally {
        await app.close();
        await close();
      }
    },
  );
});
