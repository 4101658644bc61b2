import { test as base, describe, expect } from "vitest";
import {
  bearer,
  expectDetail,
  expectNoContent,
  expectUnauthorized,
  jsonBody,
  PASSWORD,
  TestServer,
  TOKEN,
  test,
} from "./harness.js";

interface SessionJson {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  ip: string | null;
  user_agent: string | null;
  label: string | null;
  amr: string[];
  current: boolean;
}

/** Logs in through `POST /auth/login` with this User-Agent; returns the bearer token. */
async function loginAs(server: TestServer, userAgent: string, email = "alice@example.com") {
  const response = await server.fetch("/auth/login", {
    method: "POST",
    headers: { "user-agent": userAgent },
    body: new URLSearchParams({ username: email, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  const { access_token } = (await response.json()) as { access_token: string };
  expect(access_token).toMatch(TOKEN);
  return access_token;
}

async function sessions(server: TestServer, token: string, path = "/users/me/sessions") {
  const response = await server.fetch(path, { headers: bearer(token) });
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as SessionJson[];
}

function remove(server: TestServer, token: string, path: string) {
  return server.fetch(path, { method: "DELETE", headers: bearer(token) });
}

describe("sessions", () => {
  test("GET /users/me/sessions lists the live sessions, newest first, with what each login recorded", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const laptop = await loginAs(server, "Laptop/1.0");
    server.clock.advance(1000);
    const phone = await loginAs(server, "Phone/2.0");
    const listed = await sessions(server, phone);
    const created = server.clock.now;
    expect(listed).toEqual([
      {
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        created_at: created.toISOString(),
        last_used_at: created.toISOString(),
        expires_at: new Date(created.getTime() + 3600_000).toISOString(),
        ip: "127.0.0.1",
        user_agent: "Phone/2.0",
        label: null,
        amr: ["password"],
        current: true,
      },
      expect.objectContaining({ user_agent: "Laptop/1.0", current: false }),
    ]);
    // The id is not the token, nor its stored form: it logs nobody in.
    for (const session of listed) {
      expect([laptop, phone]).not.toContain(session.id);
      await expectUnauthorized(await server.me(bearer(session.id)));
    }
    expect((await sessions(server, laptop)).map((s) => s.current)).toEqual([false, true]);
  });

  test("each session says how it was proven (amr): a password login, bearer or cookie, in the user's list and a superuser's; one from before it was recorded, none", async ({
    server,
  }) => {
    const alice = await server.register("alice@example.com");
    const bearerToken = await loginAs(server, "Bearer/1");
    await server.cookieLogin("alice@example.com");
    // As a session stored before tessera recorded how it was proven: no amr.
    await server.setup.strategy.writeToken(
      await server.setup.manager.getByEmail("alice@example.com"),
      { userAgent: "Old/1" },
    );
    const { token: root } = await server.superuser();
    for (const [token, path] of [
      [bearerToken, "/users/me/sessions"],
      [root, `/users/${alice.id}/sessions`],
    ] as const) {
      const listed = await sessions(server, token, path);
      expect(listed).toHaveLength(3);
      const old = listed.find((s) => s.user_agent === "Old/1");
      expect(old?.amr).toEqual([]);
      expect(listed.filter((s) => s !== old).map((s) => s.amr)).toEqual([
        ["password"],
        ["password"],
      ]);
    }
    const document = (await (await server.fetch("/openapi.json")).json()) as {
      components: {
        schemas: { Session: { properties: Record<string, unknown>; required: string[] } };
      };
    };
    const { Session } = document.components.schemas;
    expect(Session.properties.amr).toMatchObject({ type: "array", items: { type: "string" } });
    expect(Session.required).toContain("amr");
  });

  test("expired sessions and sessions ended by a password change are not listed", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    await loginAs(server, "Old/1.0");
    server.clock.advance(3000_000);
    const recent = await loginAs(server, "Recent/1.0");
    server.clock.advance(700_000);
    expect((await sessions(server, recent)).map((s) => s.user_agent)).toEqual(["Recent/1.0"]);
    const other = await loginAs(server, "Other/1.0");
    const change = await server.fetch("/users/me", {
      method: "PATCH",
      headers: { ...bearer(recent), "content-type": "application/json" },
      body: JSON.stringify({ password: `${PASSWORD} 2` }),
    });
    expect(change.status).toBe(200);
    await expectUnauthorized(await server.me(bearer(other)));
    expect((await sessions(server, recent)).map((s) => s.user_agent)).toEqual(["Recent/1.0"]);
  });

  test("DELETE /users/me/sessions/{id} ends that session only; unknown, malformed and other users' ids are 404", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    await server.register("bob@example.com");
    const laptop = await loginAs(server, "Laptop/1.0");
    const phone = await loginAs(server, "Phone/2.0");
    const bob = await loginAs(server, "Bob/1.0", "bob@example.com");
    const [bobSession] = await sessions(server, bob);
    const laptopSession = (await sessions(server, phone)).find((s) => !s.current);
    for (const id of [bobSession?.id, "A".repeat(22), "not-an-id", "%27%20OR%201%3D1--"]) {
      await expectDetail(await remove(server, phone, `/users/me/sessions/${id}`), 404, "Not Found");
    }
    expect((await server.me(bearer(bob))).status).toBe(200);
    await expectNoContent(await remove(server, phone, `/users/me/sessions/${laptopSession?.id}`));
    await expectUnauthorized(await server.me(bearer(laptop)));
    expect((await server.me(bearer(phone))).status).toBe(200);
    await expectDetail(
      await remove(server, phone, `/users/me/sessions/${laptopSession?.id}`),
      404,
      "Not Found",
    );
  });

  test("DELETE /users/me/sessions ends every other session; this one and other users' stay", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    await server.register("bob@example.com");
    const others = [await loginAs(server, "A/1"), await loginAs(server, "B/1")];
    server.clock.advance(1000);
    const current = await loginAs(server, "C/1");
    const bob = await loginAs(server, "Bob/1", "bob@example.com");
    await expectNoContent(await remove(server, current, "/users/me/sessions"));
    for (const token of others) await expectUnauthorized(await server.me(bearer(token)));
    expect((await server.me(bearer(current))).status).toBe(200);
    expect((await server.me(bearer(bob))).status).toBe(200);
    expect((await sessions(server, current)).map((s) => s.user_agent)).toEqual(["C/1"]);
  });

  test("POST /auth/logout-all ends every session, this one included, and clears the cookie", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const bearerToken = await loginAs(server, "A/1");
    const cookieToken = await server.cookieLogin("alice@example.com");
    const response = await server.fetch("/auth/cookie/logout-all", {
      method: "POST",
      headers: { cookie: `fastapiusersauth=${cookieToken}` },
    });
    await expectNoContent(response);
    expect(response.headers.getSetCookie()).toEqual([
      'fastapiusersauth=""; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure',
    ]);
    await expectUnauthorized(await server.me(bearer(bearerToken)));
    await expectUnauthorized(await server.me({ cookie: `fastapiusersauth=${cookieToken}` }));
    await expectUnauthorized(await server.fetch("/auth/logout-all", { method: "POST" }));
  });

  test("superusers list and end a user's sessions; others get 403, unknown users 404", async ({
    server,
  }) => {
    const alice = await server.register("alice@example.com");
    const first = await loginAs(server, "A/1");
    server.clock.advance(1000);
    const second = await loginAs(server, "B/1");
    const { token: root } = await server.superuser();
    const path = `/users/${alice.id}/sessions`;
    const listed = await sessions(server, root, path);
    expect(listed.map((s) => [s.user_agent, s.current])).toEqual([
      ["B/1", false],
      ["A/1", false],
    ]);
    await expectDetail(await server.fetch(path, { headers: bearer(first) }), 403, "Forbidden");
    await expectDetail(await remove(server, first, path), 403, "Forbidden");
    const unknown = "/users/00000000-0000-4000-8000-000000000000/sessions";
    await expectDetail(await server.fetch(unknown, { headers: bearer(root) }), 404, "Not Found");
    await expectDetail(await remove(server, root, `${unknown}/${listed[0]?.id}`), 404, "Not Found");
    await expectNoContent(await remove(server, root, `${path}/${listed[0]?.id}`));
    await expectUnauthorized(await server.me(bearer(second)));
    expect((await server.me(bearer(first))).status).toBe(200);
    await expectNoContent(await remove(server, root, path));
    await expectUnauthorized(await server.me(bearer(first)));
    expect((await server.me(bearer(root))).status).toBe(200);
  });

  test("an anonymous request gets 401 on every sessions route", async ({ server }) => {
    const alice = await server.register("alice@example.com");
    for (const [method, path] of [
      ["GET", "/users/me/sessions"],
      ["DELETE", "/users/me/sessions"],
      ["DELETE", `/users/me/sessions/${"A".repeat(22)}`],
      ["GET", `/users/${alice.id}/sessions`],
      ["DELETE", `/users/${alice.id}/sessions`],
    ] as const) {
      await expectUnauthorized(await server.fetch(path, { method }));
    }
  });
});

describe("a cap on sessions per user (maxSessionsPerUser: 3)", () => {
  const capped = base.extend<{ server: TestServer }>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
    server: async ({}, use) => {
      const server = await TestServer.start({ maxSessionsPerUser: 3 });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
  });

  capped("a login past the cap ends the oldest session; other users' stay", async ({ server }) => {
    await server.register("alice@example.com");
    await server.register("bob@example.com");
    const bob = await loginAs(server, "Bob/1", "bob@example.com");
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) {
      server.clock.advance(1000);
      tokens.push(await loginAs(server, `Login/${i}`));
    }
    for (const token of tokens.slice(0, 2))
      await expectUnauthorized(await server.me(bearer(token)));
    for (const token of tokens.slice(2)) expect((await server.me(bearer(token))).status).toBe(200);
    expect((await sessions(server, tokens[4] as string)).map((s) => s.user_agent)).toEqual([
      "Login/4",
      "Login/3",
      "Login/2",
    ]);
    expect((await server.me(bearer(bob))).status).toBe(200);
  });

  capped(
    "20 concurrent logins of one user leave exactly 3 sessions, 5 rounds",
    async ({ server }) => {
      await server.register("alice@example.com");
      for (let round = 0; round < 5; round++) {
        server.clock.advance(1000);
        const tokens = await Promise.all(
          Array.from({ length: 20 }, (_, i) => loginAs(server, `R${round}/${i}`)),
        );
        const working = [];
        for (const token of tokens)
          if ((await server.me(bearer(token))).status === 200) working.push(token);
        expect(working).toHaveLength(3);
        expect(await sessions(server, working[0] as string)).toHaveLength(3);
      }
    },
  );
});

describe("an idle timeout (idleTimeoutSeconds: 600)", () => {
  const idle = base.extend<{ server: TestServer }>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
    server: async ({}, use) => {
      const server = await TestServer.start({ idleTimeoutSeconds: 600 });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
  });

  idle(
    "a session used every 590 s stays; one left alone for 601 s gets 401",
    async ({ server }) => {
      await server.register("alice@example.com");
      const busy = await loginAs(server, "Busy/1");
      const quiet = await loginAs(server, "Quiet/1");
      for (let i = 0; i < 4; i++) {
        server.clock.advance(590_000);
        expect((await server.me(bearer(busy))).status).toBe(200);
      }
      await expectUnauthorized(await server.me(bearer(quiet)));
      const [listed] = await sessions(server, busy);
      expect(listed).toMatchObject({
        user_agent: "Busy/1",
        last_used_at: server.clock.now.toISOString(),
        expires_at: new Date(server.clock.now.getTime() + 600_000).toISOString(),
      });
      server.clock.advance(601_000);
      await expectUnauthorized(await server.me(bearer(busy)));
    },
  );

  idle(
    "the cookie transport slides the same way, and the lifetime stays the cap",
    async ({ server }) => {
      await server.register("alice@example.com");
      const token = await server.cookieLogin("alice@example.com");
      const cookie = { cookie: `fastapiusersauth=${token}` };
      for (let elapsed = 0; elapsed < 3600; elapsed += 500) {
        expect((await server.me(cookie)).status).toBe(200);
        server.clock.advance(500_000);
      }
      // 4,000 s after login: past the 3,600 s lifetime, though used 500 s ago.
      await expectUnauthorized(await server.me(cookie));
    },
  );
});

describe("a cap that refuses (maxSessionsPerUser: 3, sessionCapPolicy: refuse)", () => {
  for (const refreshTokens of [false, true]) {
    const refusing = base.extend<{ server: TestServer }>({
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
      server: async ({}, use) => {
        const server = await TestServer.start({
          maxSessionsPerUser: 3,
          sessionCapPolicy: "refuse",
          refreshTokens,
        });
        try {
          await use(server);
        } finally {
          await server.close();
        }
      },
    });
    const kind = refreshTokens ? "with refresh tokens" : "access tokens only";

    refusing(
      `a login past the cap is refused until a session ends (${kind})`,
      async ({ server }) => {
        await server.register("alice@example.com");
        const tokens = [];
        for (let i = 0; i < 3; i++) tokens.push(await loginAs(server, `Login/${i}`));
        const before = await server.snapshot();
        const refused = await server.fetch("/auth/login", {
          method: "POST",
          body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
        });
        await expectDetail(refused, 400, "LOGIN_TOO_MANY_SESSIONS");
        expect(await server.snapshot()).toEqual(before);
        for (const token of tokens) expect((await server.me(bearer(token))).status).toBe(200);
        await server.fetch("/auth/logout", {
          method: "POST",
          headers: bearer(tokens[0] as string),
        });
        expect((await server.me(bearer(await loginAs(server, "Again/1")))).status).toBe(200);
      },
    );

    refusing(
      `20 concurrent logins never leave more than 3 sessions; each 200 works (${kind}), 5 rounds`,
      async ({ server }) => {
        await server.register("alice@example.com");
        for (let round = 0; round < 5; round++) {
          const answers = await Promise.all(
            Array.from({ length: 20 }, () =>
              server.fetch("/auth/login", {
                method: "POST",
                body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
              }),
            ),
          );
          const tokens: string[] = [];
          for (const answer of answers) {
            if (answer.status === 200) {
              tokens.push(((await answer.json()) as { access_token: string }).access_token);
            } else {
              expect(await answer.json()).toEqual({ detail: "LOGIN_TOO_MANY_SESSIONS" });
            }
          }
          expect(tokens.length).toBeLessThanOrEqual(3);
          for (const token of tokens) expect((await server.me(bearer(token))).status).toBe(200);
          const listed = await server.setup.strategy.listSessions(
            await server.setup.manager.getByEmail("alice@example.com"),
          );
          expect(listed).toHaveLength(tokens.length);
          await server.setup.strategy.destroyAllTokens(
            await server.setup.manager.getByEmail("alice@example.com"),
          );
        }
      },
    );
  }
});

describe("with refresh tokens (refreshTokens: true, access tokens of 900 s)", () => {
  const refreshing = base.extend<{ server: TestServer }>({
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

  refreshing(
    "a refreshed session keeps how it was proven (amr), once its first access token expired",
    async ({ server }) => {
      await server.register("alice@example.com");
      const login = await server.fetch("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      let pair = (await login.json()) as { access_token: string; refresh_token: string };
      for (let i = 0; i < 2; i++) {
        server.clock.advance(901_000);
        const next = await server.fetch(
          "/auth/refresh",
          jsonBody("POST", { refresh_token: pair.refresh_token }),
        );
        expect(next.status).toBe(200);
        pair = (await next.json()) as typeof pair;
      }
      const listed = await sessions(server, pair.access_token);
      expect(listed).toEqual([expect.objectContaining({ amr: ["password"], current: true })]);
    },
  );
});
