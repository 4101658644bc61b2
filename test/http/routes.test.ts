import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { bearer, expectDetail, expectJson, test } from "./harness.js";

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

describe("GET /: the demo's sign-in page", () => {
  test("200 HTML with the sign-in, sign-up and profile parts", async ({ server }) => {
    const response = await server.fetch("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    for (const id of ["sign-in", "sign-up", "profile", "sign-out", "forgot"]) {
      expect(html).toContain(`id="${id}"`);
    }
  });

  test("405 for other methods", async ({ server }) => {
    await expectNotAllowed(await server.fetch("/", { method: "POST" }), ["GET"]);
  });
});

describe("unknown routes: 404 Not Found", () => {
  test.for([
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
  ])("%s %s", async ([method, path], { server }) => {
    await expectDetail(await server.fetch(path as string, { method }), 404, "Not Found");
  });

  test("even with a valid token", async ({ server }) => {
    const { token } = await server.superuser();
    await expectDetail(await server.fetch("/users", { headers: bearer(token) }), 404, "Not Found");
    await expectDetail(await server.fetch("/admin", { headers: bearer(token) }), 404, "Not Found");
  });
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
