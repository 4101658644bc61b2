import { describe, expect } from "vitest";
import {
  bearer,
  cookie,
  expectNoContent,
  expectUnauthorized,
  jsonBody,
  STRATEGY,
  test,
} from "./harness.js";

/**
 * What the revocation routes promise holds for every strategy, a JWT's
 * included (run by the `sqlite-jwt` project as by the database's): a 204
 * means the tokens are dead, and a password change keeps the requester's.
 */
describe("revocation routes do what they answer", () => {
  test("POST /auth/logout-all: 204, then every token of the user is 401, this one included", async ({
    server,
  }) => {
    const { token: first } = await server.user("alice@example.com");
    const second = await server.login("alice@example.com");
    const browser = await server.cookieLogin("alice@example.com");
    const { token: bobs } = await server.user("bob@example.com");
    await expectNoContent(
      await server.fetch("/auth/logout-all", { method: "POST", headers: bearer(first) }),
    );
    for (const token of [first, second]) await expectUnauthorized(await server.me(bearer(token)));
    await expectUnauthorized(await server.me(cookie(browser)));
    expect((await server.me(bearer(bobs))).status).toBe(200);
    // A login after it works.
    const again = await server.login("alice@example.com");
    expect((await server.me(bearer(again))).status).toBe(200);
  });

  test("PATCH /users/me {password}: the requester's token keeps working, the user's others end", async ({
    server,
  }) => {
    const { token: mine } = await server.user("alice@example.com");
    const other = await server.login("alice@example.com");
    const { token: bobs } = await server.user("bob@example.com");
    const response = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: "a brand new password" }, bearer(mine)),
    );
    expect(response.status).toBe(200);
    expect((await server.me(bearer(mine))).status).toBe(200);
    await expectUnauthorized(await server.me(bearer(other)));
    expect((await server.me(bearer(bobs))).status).toBe(200);
  });

  test("changes in a row from one token keep it; a login between two changes ends at the second", async ({
    server,
  }) => {
    const { token: mine } = await server.user("alice@example.com");
    for (const [i, password] of ["first new password", "second new password"].entries()) {
      const between = await server.login(
        "alice@example.com",
        i === 0 ? undefined : "first new password",
      );
      const response = await server.fetch(
        "/users/me",
        jsonBody("PATCH", { password }, bearer(mine)),
      );
      expect(response.status).toBe(200);
      await expectUnauthorized(await server.me(bearer(between)));
      expect((await server.me(bearer(mine))).status).toBe(200);
    }
    // An email change from the same token keeps it too.
    const email = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { email: "alice2@example.com" }, bearer(mine)),
    );
    expect(email.status).toBe(200);
    expect((await server.me(bearer(mine))).status).toBe(200);
  });

  test("a change made from another token ends the one that made the change before", async ({
    server,
  }) => {
    const { token: first } = await server.user("alice@example.com");
    expect(
      (
        await server.fetch(
          "/users/me",
          jsonBody("PATCH", { password: "first new password" }, bearer(first)),
        )
      ).status,
    ).toBe(200);
    const second = await server.login("alice@example.com", "first new password");
    expect(
      (
        await server.fetch(
          "/users/me",
          jsonBody("PATCH", { password: "second new password" }, bearer(second)),
        )
      ).status,
    ).toBe(200);
    await expectUnauthorized(await server.me(bearer(first)));
    expect((await server.me(bearer(second))).status).toBe(200);
  });

  test("POST /auth/logout-all after a change made from this token still ends it", async ({
    server,
  }) => {
    const { token } = await server.user("alice@example.com");
    await server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: "a brand new password" }, bearer(token)),
    );
    await expectNoContent(
      await server.fetch("/auth/logout-all", { method: "POST", headers: bearer(token) }),
    );
    await expectUnauthorized(await server.me(bearer(token)));
  });
});

const SESSION_PATHS = [
  "/users/me/sessions",
  "/users/me/sessions/{session_id}",
  "/users/{id}/sessions",
];

describe.runIf(STRATEGY === "jwt")(
  "a JWT keeps no sessions: the sessions routes are not served",
  () => {
    test("GET and DELETE /users/me/sessions (and by id) answer 404, as any unknown route", async ({
      server,
    }) => {
      const { user, token } = await server.user("alice@example.com");
      const other = await server.login("alice@example.com");
      const { token: root } = await server.superuser();
      for (const [method, path, as] of [
        ["GET", "/users/me/sessions", token],
        ["DELETE", "/users/me/sessions", token],
        ["DELETE", "/users/me/sessions/some-id", token],
        ["GET", `/users/${user.id}/sessions`, root],
        ["DELETE", `/users/${user.id}/sessions`, root],
      ] as const) {
        const response = await server.fetch(path, { method, headers: bearer(as) });
        expect([method, path, response.status]).toEqual([method, path, 404]);
        // The framework's own answer to a path nobody serves (some name the path in it).
        const elsewhere = path.replace("sessions", "nothing-here");
        const unknown = await server.fetch(elsewhere, { method, headers: bearer(as) });
        expect(unknown.status).toBe(404);
        expect((await response.text()).replace(path, elsewhere)).toBe(await unknown.text());
      }
      // Nothing was ended by them.
      expect((await server.me(bearer(other))).status).toBe(200);
    });

    test("and /openapi.json does not list them", async ({ server }) => {
      const document = (await (await server.fetch("/openapi.json")).json()) as {
        paths: Record<string, unknown>;
        components: { schemas: Record<string, unknown> };
      };
      for (const path of SESSION_PATHS) expect(document.paths).not.toHaveProperty(path);
      expect(document.paths).toHaveProperty(["/auth/logout-all"]);
      expect(document.components.schemas).not.toHaveProperty("Session");
    });
  },
);

describe.runIf(STRATEGY !== "jwt")(
  "a strategy that keeps sessions serves the sessions routes",
  () => {
    test("/openapi.json lists them", async ({ server }) => {
      const document = (await (await server.fetch("/openapi.json")).json()) as {
        paths: Record<string, unknown>;
      };
      for (const path of SESSION_PATHS) expect(document.paths).toHaveProperty([path]);
    });
  },
);
