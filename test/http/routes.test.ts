import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { FRAMEWORK } from "../support/framework-app.js";
import { bearer, expectDetail, expectJson, TestServer, test } from "./harness.js";

async function expectNotAllowed(response: Response, allow: string[]) {
  await expectDetail(response, 405, "Method Not Allowed");
  const header = response.headers.get("allow") ?? "";
  expect(header.split(",").map((method) => method.trim())).toEqual(expect.arrayContaining(allow));
  return header;
}

describe("GET /health", () => {
  test("200 {ok: true}", async ({ server }) => {
    await expectJson(await server.fetch("/health"), 200, { ok: true });
  });

  test("405 with Allow: GET for another method", async ({ server }) => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      await expectNotAllowed(await server.fetch("/health", { method }), ["GET"]);
    }
  });
});

const UNKNOWN = [
  ["GET", "/nope"],
  ["POST", "/auth"],
  ["POST", "/auth/nope"],
  ["POST", "/auth/login/"],
  ["POST", "/auth/cookie/nope"],
  ["GET", "/users"],
  ["GET", "/users/"],
  ["GET", "/users/me/"],
  ["GET", "/users/me/extra"],
  ["DELETE", "/users/a/b"],
  ["GET", "/healthz"],
  ["GET", "/AUTH/LOGIN"],
] as const;

describe(`unknown paths on ${FRAMEWORK}: the framework's own 404, never shadowed by tessera`, () => {
  test("every one", async ({ server }) => {
    for (const [method, path] of UNKNOWN) {
      const response = await server.fetch(path, { method });
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
  });

  test("the app's own routes beside tessera's: public /hello, and /private behind the guard", async ({
    server,
  }) => {
    // The app's own routes answer in its framework's way (Fastify adds a charset).
    const hello = await server.fetch("/hello");
    expect([hello.status, await hello.json()]).toEqual([200, { hello: "world" }]);
    await expectDetail(await server.fetch("/private"), 401, "Unauthorized");
    const { token } = await server.user("alice@example.com");
    const mine = await server.fetch("/private", { headers: bearer(token) });
    expect([mine.status, await mine.json()]).toEqual([200, { email: "alice@example.com" }]);
  });
});

describe("the demo: its sign-in page, and the contract's JSON 404 for unknown paths", () => {
  const demo = async (run: (server: TestServer) => Promise<void>) => {
    const server = await TestServer.start({ framework: "demo" });
    try {
      await run(server);
    } finally {
      await server.close();
    }
  };

  test("GET / is 200 HTML with the sign-in, sign-up and profile parts; 405 for other methods", () =>
    demo(async (server) => {
      const response = await server.fetch("/");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await response.text();
      for (const id of ["sign-in", "sign-up", "profile", "sign-out", "forgot"]) {
        expect(html).toContain(`id="${id}"`);
      }
      await expectNotAllowed(await server.fetch("/", { method: "POST" }), ["GET"]);
    }));

  test("unknown paths: 404 {detail: Not Found}, with or without a valid token", () =>
    demo(async (server) => {
      for (const [method, path] of UNKNOWN) {
        await expectDetail(await server.fetch(path, { method }), 404, "Not Found");
      }
      const { token } = await server.superuser();
      await expectDetail(
        await server.fetch("/users", { headers: bearer(token) }),
        404,
        "Not Found",
      );
      await expectDetail(
        await server.fetch("/admin", { headers: bearer(token) }),
        404,
        "Not Found",
      );
    }));
});

describe("wrong methods: 405 Method Not Allowed with Allow", () => {
  test.for([
    ["GET", "/auth/login"],
    ["PUT", "/auth/login"],
    ["GET", "/auth/logout"],
    ["DELETE", "/auth/logout"],
    ["GET", "/auth/cookie/login"],
    ["GET", "/auth/cookie/logout"],
    ["GET", "/auth/register"],
    ["PATCH", "/auth/register"],
    ["GET", "/auth/forgot-password"],
    ["PUT", "/auth/reset-password"],
    ["GET", "/auth/request-verify-token"],
    ["DELETE", "/auth/verify"],
  ])("%s %s allows POST only", async ([method, path], { server }) => {
    const allow = await expectNotAllowed(await server.fetch(path as string, { method }), ["POST"]);
    expect(allow).toBe("POST");
  });

  test("PUT and POST /users/me allow GET and PATCH", async ({ server }) => {
    const { token } = await server.user();
    for (const method of ["PUT", "POST"]) {
      const allow = await expectNotAllowed(
        await server.fetch("/users/me", { method, headers: bearer(token) }),
        ["GET", "PATCH"],
      );
      expect(allow).not.toMatch(/PUT|POST/);
    }
    await expectNotAllowed(await server.fetch("/users/me", { method: "PUT" }), ["GET", "PATCH"]);
  });

  test("DELETE /users/me is /users/{id}: 403 for a normal user, 404 for a superuser", async ({
    server,
  }) => {
    const { token } = await server.user();
    const { token: root } = await server.superuser();
    const before = await server.snapshot();
    const asUser = await server.fetch("/users/me", { method: "DELETE", headers: bearer(token) });
    await expectDetail(asUser, 403, "Forbidden");
    const asRoot = await server.fetch("/users/me", { method: "DELETE", headers: bearer(root) });
    await expectDetail(asRoot, 404, "Not Found");
    expect(await server.snapshot()).toEqual(before);
  });

  test("PUT and POST /users/{id} allow GET, PATCH and DELETE, before any auth check", async ({
    server,
  }) => {
    const { user, token } = await server.user();
    for (const id of [user.id, randomUUID(), "not-a-uuid"]) {
      for (const headers of [{}, bearer(token)]) {
        await expectNotAllowed(await server.fetch(`/users/${id}`, { method: "PUT", headers }), [
          "GET",
          "PATCH",
          "DELETE",
        ]);
        await expectNotAllowed(await server.fetch(`/users/${id}`, { method: "POST", headers }), [
          "GET",
          "PATCH",
          "DELETE",
        ]);
      }
    }
  });
});
