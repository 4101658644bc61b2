import { hashToken } from "tessera-auth";
import { describe, expect } from "vitest";
import {
  bearer,
  expectDetail,
  expectJson,
  expectNoContent,
  expectUnauthorized,
  expectValidation,
  jsonBody,
  missing,
  PASSWORD,
  TOKEN,
  test,
} from "./harness.js";

function loginForm(fields: Record<string, string>): RequestInit {
  return { method: "POST", body: new URLSearchParams(fields) };
}

describe("POST /auth/login", () => {
  test("200 with a bearer token for an urlencoded form", async ({ server }) => {
    const { id } = await server.register("alice@example.com");
    const response = await server.fetch(
      "/auth/login",
      loginForm({ username: "alice@example.com", password: PASSWORD }),
    );
    const body = (await response.clone().json()) as { access_token: string };
    await expectJson(response, 200, {
      access_token: expect.stringMatching(TOKEN),
      token_type: "bearer",
    });
    await expectJson(await server.me(bearer(body.access_token)), 200, {
      id,
      email: "alice@example.com",
      is_active: true,
      is_superuser: false,
      is_verified: false,
    });
  });

  test("200 for a multipart form", async ({ server }) => {
    await server.register("alice@example.com");
    const body = new FormData();
    body.set("username", "alice@example.com");
    body.set("password", PASSWORD);
    const response = await server.fetch("/auth/login", { method: "POST", body });
    const json = (await response.json()) as { access_token: string; token_type: string };
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(json).toEqual({ access_token: expect.stringMatching(TOKEN), token_type: "bearer" });
    expect((await server.me(bearer(json.access_token))).status).toBe(200);
  });

  test("the username is the email, compared ignoring case", async ({ server }) => {
    await server.register("Alice@Example.com");
    for (const username of ["alice@example.com", "ALICE@EXAMPLE.COM", "Alice@example.com"]) {
      const token = await server.login(username);
      expect((await server.me(bearer(token))).status).toBe(200);
    }
  });

  test("accepts grant_type=password and the optional OAuth2 fields", async ({ server }) => {
    await server.register("alice@example.com");
    const response = await server.fetch(
      "/auth/login",
      loginForm({
        grant_type: "password",
        username: "alice@example.com",
        password: PASSWORD,
        scope: "read write",
        client_id: "id",
        client_secret: "secret",
      }),
    );
    expect(response.status).toBe(200);
  });

  test("400 LOGIN_BAD_CREDENTIALS for a wrong password, an unknown user, an inactive user", async ({
    server,
  }) => {
    const { id } = await server.register("alice@example.com");
    await server.register("bob@example.com");
    await server.setUser(id, { isActive: false });
    const attempts = [
      { username: "bob@example.com", password: `${PASSWORD}!` },
      { username: "bob@example.com", password: PASSWORD.toUpperCase() },
      { username: "nobody@example.com", password: PASSWORD },
      { username: "alice@example.com", password: PASSWORD },
      { username: "not an email", password: PASSWORD },
      { username: "bob@example.com", password: "" },
    ];
    const before = await server.snapshot();
    for (const attempt of attempts) {
      await expectDetail(
        await server.fetch("/auth/login", loginForm(attempt)),
        400,
        "LOGIN_BAD_CREDENTIALS",
      );
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("422 for a missing username, password, or both", async ({ server }) => {
    const cases: [Record<string, string>, unknown[]][] = [
      [{ password: PASSWORD }, [missing("body", "username")]],
      [{ username: "alice@example.com" }, [missing("body", "password")]],
      [{}, [missing("body", "username"), missing("body", "password")]],
    ];
    for (const [fields, errors] of cases) {
      await expectValidation(await server.fetch("/auth/login", loginForm(fields)), errors);
    }
  });

  test("422 for a JSON body: the form fields are missing", async ({ server }) => {
    await server.register("alice@example.com");
    const response = await server.fetch(
      "/auth/login",
      jsonBody("POST", { username: "alice@example.com", password: PASSWORD }),
    );
    await expectValidation(response, [missing("body", "username"), missing("body", "password")]);
  });

  test("422 value_error.str.regex for a grant_type other than password", async ({ server }) => {
    await server.register("alice@example.com");
    for (const grantType of ["client_credentials", "passwords", "Password", " password"]) {
      const response = await server.fetch(
        "/auth/login",
        loginForm({ grant_type: grantType, username: "alice@example.com", password: PASSWORD }),
      );
      await expectValidation(response, [
        {
          loc: ["body", "grant_type"],
          msg: 'string does not match regex "password"',
          type: "value_error.str.regex",
          ctx: { pattern: "password" },
        },
      ]);
    }
  });

  test("stores only the SHA-256 of the token, never the token itself", async ({ server }) => {
    const { token } = await server.user();
    const rows = await server.setup.db.selectFrom("accesstoken").select("token").execute();
    expect(rows).toEqual([{ token: hashToken(token) }]);
    expect(rows.map((row) => row.token)).not.toContain(token);
  });
});

describe("POST /auth/logout", () => {
  test("two logins give two different tokens that both work", async ({ server }) => {
    await server.register("alice@example.com");
    const first = await server.login("alice@example.com");
    const second = await server.login("alice@example.com");
    expect(first).not.toBe(second);
    expect((await server.me(bearer(first))).status).toBe(200);
    expect((await server.me(bearer(second))).status).toBe(200);
    const rows = await server.setup.db.selectFrom("accesstoken").select("token").execute();
    expect(rows.map((row) => row.token).sort()).toEqual(
      [hashToken(first), hashToken(second)].sort(),
    );
  });

  test("204, deletes that token only; a second logout with it is 401", async ({ server }) => {
    await server.register("alice@example.com");
    const first = await server.login("alice@example.com");
    const second = await server.login("alice@example.com");

    await expectNoContent(
      await server.fetch("/auth/logout", { method: "POST", headers: bearer(first) }),
    );
    await expectUnauthorized(await server.me(bearer(first)));
    expect((await server.me(bearer(second))).status).toBe(200);
    const rows = await server.setup.db.selectFrom("accesstoken").select("token").execute();
    expect(rows).toEqual([{ token: hashToken(second) }]);

    await expectUnauthorized(
      await server.fetch("/auth/logout", { method: "POST", headers: bearer(first) }),
    );
    expect((await server.me(bearer(second))).status).toBe(200);
  });

  test("401 without a token or with an unknown one, and deletes nothing", async ({ server }) => {
    await server.user();
    const before = await server.snapshot();
    await expectUnauthorized(await server.fetch("/auth/logout", { method: "POST" }));
    await expectUnauthorized(
      await server.fetch("/auth/logout", { method: "POST", headers: bearer("A".repeat(43)) }),
    );
    expect(await server.snapshot()).toEqual(before);
  });

  test("a logged-out user can log in again", async ({ server }) => {
    const { token } = await server.user();
    await server.fetch("/auth/logout", { method: "POST", headers: bearer(token) });
    const again = await server.login("alice@example.com");
    expect(again).not.toBe(token);
    expect((await server.me(bearer(again))).status).toBe(200);
  });
});
