import { describe, expect } from "vitest";
import { bearer, cookie, expectUnauthorized, jsonBody, type TestServer, test } from "./harness.js";

const HOUR = 3600 * 1000;

/** Every protected route, each answering 401 to these headers; and nothing was written. */
async function expectAllUnauthorized(server: TestServer, headers: Record<string, string>) {
  const before = await server.snapshot();
  const { id } = before.users[0] as { id: string };
  const requests: [string, RequestInit][] = [
    ["/users/me", { headers }],
    ["/users/me", jsonBody("PATCH", { email: "changed@example.com" }, headers)],
    ["/auth/logout", { method: "POST", headers }],
    ["/auth/cookie/logout", { method: "POST", headers }],
    [`/users/${id}`, { headers }],
    [`/users/${id}`, jsonBody("PATCH", { is_superuser: true }, headers)],
    [`/users/${id}`, { method: "DELETE", headers }],
  ];
  for (const [path, init] of requests) {
    const response = await server.fetch(path, init);
    expect(response.headers.get("set-cookie"), `${init.method} ${path}`).toBeNull();
    await expectUnauthorized(response);
  }
  expect(await server.snapshot()).toEqual(before);
}

describe("401 Unauthorized on protected routes", () => {
  test("without any credentials", async ({ server }) => {
    await server.user();
    await expectAllUnauthorized(server, {});
  });

  test("with an unknown token, as bearer or cookie", async ({ server }) => {
    await server.user();
    const unknown = "U".repeat(43);
    await expectAllUnauthorized(server, bearer(unknown));
    await expectAllUnauthorized(server, cookie(unknown));
  });

  test("with the stored (hashed) form of a valid token", async ({ server }) => {
    await server.user();
    const [row] = await server.rows("accesstoken");
    await expectAllUnauthorized(server, bearer(row?.token as string));
  });

  test("with an empty, malformed or oversized token", async ({ server }) => {
    const { token } = await server.user();
    for (const value of ["Bearer", `Bearer  ${token}`, `Bearer\t${token}`, `Bearer${token}`]) {
      await expectUnauthorized(await server.me({ authorization: value }));
    }
    await expectUnauthorized(await server.me(bearer(`${token}x`)));
    await expectUnauthorized(await server.me(bearer(token.repeat(100))));
    await expectUnauthorized(await server.me({ cookie: "fastapiusersauth=" }));
  });

  test("with a scheme other than Bearer", async ({ server }) => {
    const { token } = await server.user();
    for (const scheme of ["Basic", "Token", "Bearer:", "Bearerx", "JWT"]) {
      await expectUnauthorized(await server.me({ authorization: `${scheme} ${token}` }));
    }
    await expectUnauthorized(await server.me({ authorization: token }));
    const basic = Buffer.from(`alice@example.com:correct horse battery`).toString("base64");
    await expectAllUnauthorized(server, { authorization: `Basic ${basic}` });
  });

  test("the Bearer scheme is case-insensitive", async ({ server }) => {
    const { token } = await server.user();
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      expect((await server.me({ authorization: `${scheme} ${token}` })).status).toBe(200);
    }
  });

  test("with a token past its lifetime; exactly at it, still valid", async ({ server }) => {
    const { token } = await server.user();
    server.clock.advance(HOUR - 1);
    expect((await server.me(bearer(token))).status).toBe(200);
    server.clock.advance(1);
    expect((await server.me(bearer(token))).status).toBe(200);
    expect((await server.me(cookie(token))).status).toBe(200);
    server.clock.advance(1);
    await expectUnauthorized(await server.me(bearer(token)));
    await expectUnauthorized(await server.me(cookie(token)));
    await expectAllUnauthorized(server, bearer(token));
  });

  test("a token issued later outlives an expired one of the same user", async ({ server }) => {
    const { token: early } = await server.user();
    server.clock.advance(HOUR / 2);
    const late = await server.login("alice@example.com");
    server.clock.advance(HOUR / 2 + 1);
    await expectUnauthorized(await server.me(bearer(early)));
    expect((await server.me(bearer(late))).status).toBe(200);
    server.clock.advance(HOUR / 2);
    await expectUnauthorized(await server.me(bearer(late)));
  });

  test("with a revoked (logged out) token", async ({ server }) => {
    const { token } = await server.user();
    await server.fetch("/auth/logout", { method: "POST", headers: bearer(token) });
    await expectAllUnauthorized(server, bearer(token));
    await expectAllUnauthorized(server, cookie(token));
  });

  test("for a deactivated user, even once reactivated (deactivation ends its sessions)", async ({
    server,
  }) => {
    const { user, token } = await server.user();
    await server.setUser(user.id, { isActive: false });
    await expectAllUnauthorized(server, bearer(token));
    await server.setUser(user.id, { isActive: true });
    await expectAllUnauthorized(server, bearer(token));
    expect((await server.me(bearer(await server.login(user.email)))).status).toBe(200);
  });

  test("for a deleted user", async ({ server }) => {
    const { user, token } = await server.user();
    await server.user("bob@example.com");
    await server.setup.manager.delete(await server.setup.manager.get(user.id));
    await expectAllUnauthorized(server, bearer(token));
    await expectAllUnauthorized(server, cookie(token));
  });
});
