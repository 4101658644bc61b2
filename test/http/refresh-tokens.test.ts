import { test as base, describe, expect } from "vitest";
import {
  bearer,
  expectDetail,
  expectUnauthorized,
  jsonBody,
  PASSWORD,
  test as plain,
  TestServer,
  TOKEN,
} from "./harness.js";

const REFRESH = /^tessr_[0-9A-Za-z]{49}$/;

interface Pair {
  access_token: string;
  refresh_token: string;
}

const test = base.extend<{ server: TestServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  server: async ({}, use) => {
    const server = await TestServer.start({ refreshTokens: true, lifetimeSeconds: 900 });
    try {
      await use(server);
    } finally {
      await server.close();
    }
  },
});

async function login(server: TestServer, agent = "Client/1"): Promise<Pair> {
  const response = await server.fetch("/auth/login", {
    method: "POST",
    headers: { "user-agent": agent },
    body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Pair;
}

function refresh(server: TestServer, token: unknown) {
  return server.fetch("/auth/refresh", jsonBody("POST", { refresh_token: token }));
}

async function refreshed(server: TestServer, token: string): Promise<Pair> {
  const response = await refresh(server, token);
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as Pair;
}

async function sessionIds(server: TestServer, access: string) {
  const response = await server.fetch("/users/me/sessions", { headers: bearer(access) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string; current: boolean }[]).map((s) =>
    s.current ? `${s.id}*` : s.id,
  );
}

describe("rotating refresh tokens (refreshTokens: true, access tokens of 900 s)", () => {
  test("login answers a pair; refresh answers a new pair in the same shape and uses the old one up", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const response = await server.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
    });
    const first = (await response.json()) as Pair;
    expect(first).toEqual({
      access_token: expect.stringMatching(TOKEN),
      token_type: "bearer",
      refresh_token: expect.stringMatching(REFRESH),
      expires_in: 900,
    });
    const [id] = await sessionIds(server, first.access_token);
    const second = await refreshed(server, first.refresh_token);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // The session goes on under the same id; the old access token is gone with the rotation.
    expect(await sessionIds(server, second.access_token)).toEqual([`${id?.replace("*", "")}*`]);
    await expectUnauthorized(await server.me(bearer(first.access_token)));
    expect((await server.me(bearer(second.access_token))).status).toBe(200);
  });

  test("replaying a used refresh token revokes the whole family and emits refresh.reused", async ({
    server,
  }) => {
    const alice = await server.register("alice@example.com");
    const reused: unknown[] = [];
    server.setup.events.on("refresh.reused", (event) => reused.push(event));
    const stolen = await login(server, "Victim/1");
    const other = await login(server, "Other/1");
    const next = await refreshed(server, stolen.refresh_token);
    const after = await refreshed(server, next.refresh_token);
    await expectDetail(await refresh(server, stolen.refresh_token), 401, "REFRESH_TOKEN_REUSED");
    await expectUnauthorized(await server.me(bearer(after.access_token)));
    await expectDetail(await refresh(server, after.refresh_token), 401, "REFRESH_TOKEN_INVALID");
    await expectDetail(await refresh(server, next.refresh_token), 401, "REFRESH_TOKEN_INVALID");
    expect(reused).toEqual([
      expect.objectContaining({ userId: alice.id, sessionId: expect.any(String) }),
    ]);
    // The user's other session is untouched.
    expect((await server.me(bearer(other.access_token))).status).toBe(200);
    expect((await refreshed(server, other.refresh_token)).access_token).toMatch(TOKEN);
  });

  test("two refreshes racing with one refresh token: exactly one wins, 20 rounds", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    for (let round = 0; round < 20; round++) {
      const pair = await login(server);
      const answers = await Promise.all([
        refresh(server, pair.refresh_token),
        refresh(server, pair.refresh_token),
      ]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401]);
      const winner = (await answers.find((r) => r.status === 200)?.json()) as Pair;
      const loser = answers.find((r) => r.status === 401) as Response;
      expect(await loser.json()).toEqual({ detail: "REFRESH_TOKEN_REUSED" });
      // The loser proved a second copy exists: the family is revoked, the winner's pair too.
      await expectUnauthorized(await server.me(bearer(winner.access_token)));
      await expectDetail(await refresh(server, winner.refresh_token), 401, "REFRESH_TOKEN_INVALID");
    }
  });

  test("an expired access token is refreshed; the session stays listed; a refresh token lives 30 days", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const pair = await login(server);
    server.clock.advance(901_000);
    await expectUnauthorized(await server.me(bearer(pair.access_token)));
    const next = await refreshed(server, pair.refresh_token);
    expect(await sessionIds(server, next.access_token)).toHaveLength(1);
    server.clock.advance(30 * 24 * 3600_000 + 1000);
    await expectDetail(await refresh(server, next.refresh_token), 401, "REFRESH_TOKEN_INVALID");
  });

  test("logout, ending the session by id, and a password change end refresh tokens too", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const a = await login(server, "A/1");
    await server.fetch("/auth/logout", { method: "POST", headers: bearer(a.access_token) });
    await expectDetail(await refresh(server, a.refresh_token), 401, "REFRESH_TOKEN_INVALID");

    const b = await login(server, "B/1");
    const c = await login(server, "C/1");
    const ids = await sessionIds(server, c.access_token);
    const bId = ids.find((id) => !id.endsWith("*")) as string;
    const ended = await server.fetch(`/users/me/sessions/${bId}`, {
      method: "DELETE",
      headers: bearer(c.access_token),
    });
    expect(ended.status).toBe(204);
    await expectDetail(await refresh(server, b.refresh_token), 401, "REFRESH_TOKEN_INVALID");

    const d = await login(server, "D/1");
    const change = await server.fetch("/users/me", {
      ...jsonBody("PATCH", { password: `${PASSWORD} 2` }),
      headers: { ...bearer(c.access_token), "content-type": "application/json" },
    });
    expect(change.status).toBe(200);
    // The session that changed the password goes on, refresh included; the others end.
    expect((await refreshed(server, c.refresh_token)).access_token).toMatch(TOKEN);
    await expectDetail(await refresh(server, d.refresh_token), 401, "REFRESH_TOKEN_INVALID");
  });

  test("bad input: a missing, malformed, mistyped or access token is refused, never a 500", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const pair = await login(server);
    const before = await server.snapshot();
    for (const token of [
      "",
      "x",
      "' OR 1=1 --",
      pair.access_token,
      // The last character changed (to one it is not), which breaks the checksum.
      `${pair.refresh_token.slice(0, -1)}${pair.refresh_token.endsWith("0") ? "1" : "0"}`,
      "tessr_".padEnd(55, "A"),
    ]) {
      await expectDetail(await refresh(server, token), 401, "REFRESH_TOKEN_INVALID");
    }
    expect((await refresh(server, 42)).status).toBe(422);
    expect((await server.fetch("/auth/refresh", jsonBody("POST", {}))).status).toBe(422);
    const garbage = await server.fetch("/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(garbage.status).toBe(422);
    expect(await server.snapshot()).toEqual(before);
    expect((await refreshed(server, pair.refresh_token)).access_token).toMatch(TOKEN);
  });

  test("the OpenAPI document describes /auth/refresh and the pair login answers", async ({
    server,
  }) => {
    const document = (await (await server.fetch("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    const refresh = document.paths["/auth/refresh"]?.post;
    expect(Object.keys(refresh?.responses ?? {}).sort()).toEqual([
      "200",
      "401",
      "413",
      "422",
      "503",
    ]);
    expect(JSON.stringify(refresh?.responses["401"])).toContain("REFRESH_TOKEN_REUSED");
    expect(JSON.stringify(document.paths["/auth/login"]?.post?.responses["200"])).toContain(
      "RefreshedBearerResponse",
    );
    expect(document.components.schemas.RefreshedBearerResponse?.required).toContain(
      "refresh_token",
    );
  });

  test("cookie logins on the same strategy get no refresh token and work as before", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    expect((await server.me({ cookie: `fastapiusersauth=${token}` })).status).toBe(200);
  });
});

describe("without refresh tokens", () => {
  plain("login answers the contract's shape, and there is no /auth/refresh", async ({ server }) => {
    await server.register("alice@example.com");
    const response = await server.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
    });
    expect(Object.keys((await response.json()) as object).sort()).toEqual([
      "access_token",
      "token_type",
    ]);
    const missing = await server.fetch("/auth/refresh", jsonBody("POST", { refresh_token: "x" }));
    expect([404, 405]).toContain(missing.status);
  });
});
