import type { TesseraEventMap } from "tessera-auth";
import { test as base, describe, expect, vi } from "vitest";
import { bearer, jsonBody, PASSWORD, TestServer, test } from "./harness.js";

type Recorded = { name: keyof TesseraEventMap; event: Record<string, unknown> };

/** Every event the server's facade emits, in order. */
function record(server: TestServer): Recorded[] {
  const seen: Recorded[] = [];
  const names: (keyof TesseraEventMap)[] = [
    "login",
    "login.failed",
    "session.created",
    "session.refreshed",
    "session.revoked",
    "refresh.reused",
    "password.changed",
    "password.reset",
    "email.changed",
  ];
  for (const name of names) {
    server.setup.events.on(name, (event) => {
      seen.push({ name, event: event as Record<string, unknown> });
    });
  }
  return seen;
}

function login(server: TestServer, username: string, password = PASSWORD, agent = "Audit/1") {
  return server.fetch("/auth/login", {
    method: "POST",
    headers: { "user-agent": agent },
    body: new URLSearchParams({ username, password }),
  });
}

const SOURCE = { ip: "127.0.0.1", userAgent: "Audit/1" };

describe("lifecycle events", () => {
  test("login, failed logins (unknown, wrong password, inactive) and logout", async ({
    server,
  }) => {
    const alice = await server.register("alice@example.com");
    const seen = record(server);
    const ok = await login(server, "alice@example.com");
    const { access_token } = (await ok.json()) as { access_token: string };
    const [session] = (await (
      await server.fetch("/users/me/sessions", { headers: bearer(access_token) })
    ).json()) as { id: string }[];
    await login(server, "nobody@example.com");
    await login(server, "alice@example.com", "wrong password!");
    const bob = await server.register("bob@example.com");
    await server.setUser(bob.id, { isActive: false });
    await login(server, "bob@example.com");
    await server.fetch("/auth/logout", {
      method: "POST",
      headers: { ...bearer(access_token), "user-agent": "Audit/1" },
    });
    const at = expect.any(Date);
    expect(seen).toEqual([
      {
        name: "session.created",
        event: { ...SOURCE, at, userId: alice.id, sessionId: session?.id, amr: ["password"] },
      },
      {
        name: "login",
        event: {
          ...SOURCE,
          at,
          userId: alice.id,
          sessionId: session?.id,
          backend: "database",
          amr: ["password"],
        },
      },
      { name: "login.failed", event: { ...SOURCE, at, userId: null, reason: "bad_credentials" } },
      { name: "login.failed", event: { ...SOURCE, at, userId: null, reason: "bad_credentials" } },
      { name: "login.failed", event: { ...SOURCE, at, userId: bob.id, reason: "inactive" } },
      {
        name: "session.revoked",
        event: {
          ...SOURCE,
          at,
          userId: alice.id,
          sessionId: session?.id,
          count: 1,
          reason: "logout",
        },
      },
    ]);
    // No token and no password in any event.
    const text = JSON.stringify(seen);
    expect(text).not.toContain(access_token);
    expect(text).not.toContain(PASSWORD);
  });

  test("revocations say why: user, admin, logout-all, a password change, a reset", async ({
    server,
  }) => {
    const { user, token } = await server.user("alice@example.com");
    await server.login("alice@example.com");
    await server.login("alice@example.com");
    const { token: root } = await server.superuser();
    const seen = record(server);
    const del = (path: string, as: string) =>
      server.fetch(path, { method: "DELETE", headers: bearer(as) });
    const listed = (await (
      await server.fetch("/users/me/sessions", { headers: bearer(token) })
    ).json()) as { id: string; current: boolean }[];
    const others = listed.filter((s) => !s.current);
    await del(`/users/me/sessions/${others[0]?.id}`, token);
    await del(`/users/${user.id}/sessions/${others[1]?.id}`, root);
    const reasons = () =>
      seen
        .filter((r) => r.name === "session.revoked")
        .map((r) => [r.event.reason, r.event.count, r.event.sessionId]);
    expect(reasons()).toEqual([
      ["user", 1, others[0]?.id],
      ["admin", 1, others[1]?.id],
    ]);

    await server.login("alice@example.com");
    const change = await server.fetch("/users/me", {
      ...jsonBody("PATCH", { password: `${PASSWORD} 2` }),
      headers: { ...bearer(token), "content-type": "application/json" },
    });
    expect(change.status).toBe(200);
    expect(seen.map((r) => r.name).slice(-2)).toEqual(["password.changed", "session.revoked"]);
    expect(reasons().at(-1)).toEqual(["credentials_changed", 1, null]);

    const reset = await server.resetToken("alice@example.com");
    const done = await server.fetch(
      "/auth/reset-password",
      jsonBody("POST", { token: reset, password: `${PASSWORD} 3` }),
    );
    expect(done.status).toBe(200);
    expect(seen.map((r) => r.name).slice(-2)).toEqual(["password.reset", "session.revoked"]);
    expect(reasons().at(-1)).toEqual(["password_reset", 1, null]);

    const fresh = await server.login("alice@example.com", `${PASSWORD} 3`);
    await server.login("alice@example.com", `${PASSWORD} 3`);
    await server.fetch("/auth/logout-all", { method: "POST", headers: bearer(fresh) });
    expect(reasons().at(-1)).toEqual(["logout_all", 2, null]);
  });

  test("a new email emits email.changed; expiry purges emit session.revoked", async ({
    server,
  }) => {
    const { token } = await server.user("alice@example.com");
    const seen = record(server);
    const change = await server.fetch("/users/me", {
      ...jsonBody("PATCH", { email: "alice@example.org" }),
      headers: { ...bearer(token), "content-type": "application/json" },
    });
    expect(change.status).toBe(200);
    expect(seen.map((r) => r.name)).toEqual(["email.changed"]);
    server.clock.advance(3601_000);
    expect(await server.setup.strategy.purgeExpired()).toBe(1);
    expect(seen.at(-1)).toEqual({
      name: "session.revoked",
      event: {
        ip: null,
        userAgent: null,
        at: server.clock.now,
        userId: null,
        sessionId: null,
        count: 1,
        reason: "expiry",
      },
    });
  });

  test("a listener that throws or rejects breaks nothing; the error is reported", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const reported = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      server.setup.events.on("login", () => {
        throw new Error("audit log down");
      });
      server.setup.events.on("session.created", async () => {
        throw new Error("audit queue full");
      });
      const response = await login(server, "alice@example.com");
      expect(response.status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      const messages = reported.mock.calls.map((call) => String(call[0]));
      expect(messages).toEqual([
        'tessera: a "login" event listener failed:',
        'tessera: a "session.created" event listener failed:',
      ]);
    } finally {
      reported.mockRestore();
    }
  });
});

describe("the cap's evictions", () => {
  const capped = base.extend<{ server: TestServer }>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
    server: async ({}, use) => {
      const server = await TestServer.start({ maxSessionsPerUser: 1 });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
  });

  capped("emit session.revoked with reason cap and the login's source", async ({ server }) => {
    const alice = await server.register("alice@example.com");
    await login(server, "alice@example.com");
    const seen = record(server);
    server.clock.advance(1000);
    expect((await login(server, "alice@example.com")).status).toBe(200);
    expect(seen.find((r) => r.name === "session.revoked")).toEqual({
      name: "session.revoked",
      event: {
        ...SOURCE,
        at: server.clock.now,
        userId: alice.id,
        sessionId: null,
        count: 1,
        reason: "cap",
      },
    });
  });
});
