import { test as base, describe, expect } from "vitest";
import { bearer, expectDetail, jsonBody, PASSWORD, TestServer } from "./harness.js";

const test = base.extend<{ server: TestServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  server: async ({}, use) => {
    const server = await TestServer.start({ freshSessionSeconds: 300, refreshTokens: true });
    try {
      await use(server);
    } finally {
      await server.close();
    }
  },
});

function patchMe(server: TestServer, token: string, body: Record<string, unknown>) {
  return server.fetch("/users/me", {
    ...jsonBody("PATCH", body),
    headers: { ...bearer(token), "content-type": "application/json" },
  });
}

describe("fresh sessions (freshSessionSeconds: 300)", () => {
  test("a new password within 300 s of login is taken; later it needs current_password", async ({
    server,
  }) => {
    const { token } = await server.user("alice@example.com");
    server.clock.advance(300_000);
    expect((await patchMe(server, token, { password: `${PASSWORD} 2` })).status).toBe(200);
    const later = await server.login("alice@example.com", `${PASSWORD} 2`);
    server.clock.advance(301_000);
    await server.me(bearer(later)); // records the session's use first, a write of its own
    const before = await server.snapshot();
    await expectDetail(
      await patchMe(server, later, { password: `${PASSWORD} 3` }),
      403,
      "SESSION_NOT_FRESH",
    );
    await expectDetail(
      await patchMe(server, later, {
        password: `${PASSWORD} 3`,
        current_password: "not it at all",
      }),
      400,
      "UPDATE_USER_BAD_CURRENT_PASSWORD",
    );
    await expectDetail(
      await patchMe(server, later, { email: "alice@example.org" }),
      403,
      "SESSION_NOT_FRESH",
    );
    expect(await server.snapshot()).toEqual(before);
    const proven = await patchMe(server, later, {
      email: "alice@example.org",
      current_password: `${PASSWORD} 2`,
    });
    expect(proven.status).toBe(200);
    expect(await proven.json()).toMatchObject({ email: "alice@example.org" });
  });

  test("a stale session may still read and make changes that are not credentials", async ({
    server,
  }) => {
    const { token } = await server.user("alice@example.com");
    server.clock.advance(3000_000);
    expect((await server.me(bearer(token))).status).toBe(200);
    expect((await patchMe(server, token, {})).status).toBe(200);
    expect((await patchMe(server, token, { is_superuser: true })).status).toBe(200);
  });

  test("ending all other sessions and logging out everywhere need a fresh session", async ({
    server,
  }) => {
    const { token } = await server.user("alice@example.com");
    const other = await server.login("alice@example.com");
    server.clock.advance(301_000);
    const revokeOthers = () =>
      server.fetch("/users/me/sessions", { method: "DELETE", headers: bearer(token) });
    await expectDetail(await revokeOthers(), 403, "SESSION_NOT_FRESH");
    await expectDetail(
      await server.fetch("/auth/logout-all", { method: "POST", headers: bearer(token) }),
      403,
      "SESSION_NOT_FRESH",
    );
    expect((await server.me(bearer(other))).status).toBe(200);
    const fresh = await server.login("alice@example.com");
    const ended = await server.fetch("/users/me/sessions", {
      method: "DELETE",
      headers: bearer(fresh),
    });
    expect(ended.status).toBe(204);
    expect((await server.me(bearer(other))).status).toBe(401);
  });

  test("a refresh is not a login: a refreshed session ages from its login", async ({ server }) => {
    await server.register("alice@example.com");
    const login = await server.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
    });
    const { refresh_token } = (await login.json()) as { refresh_token: string };
    server.clock.advance(301_000);
    const refreshed = await server.fetch("/auth/refresh", jsonBody("POST", { refresh_token }));
    const { access_token } = (await refreshed.json()) as { access_token: string };
    await expectDetail(
      await patchMe(server, access_token, { password: `${PASSWORD} 2` }),
      403,
      "SESSION_NOT_FRESH",
    );
  });

  test("a superuser's change of another user needs no fresh session", async ({ server }) => {
    const { token: root } = await server.superuser();
    const alice = await server.register("alice@example.com");
    server.clock.advance(3000_000);
    const change = await server.fetch(`/users/${alice.id}`, {
      ...jsonBody("PATCH", { password: `${PASSWORD} 9` }),
      headers: { ...bearer(root), "content-type": "application/json" },
    });
    expect(change.status).toBe(200);
  });

  test("the OpenAPI document names SESSION_NOT_FRESH and current_password", async ({ server }) => {
    const text = await (await server.fetch("/openapi.json")).text();
    expect(text).toContain("SESSION_NOT_FRESH");
    expect(text).toContain("current_password");
    expect(text).toContain("UPDATE_USER_BAD_CURRENT_PASSWORD");
  });
});
