import { describe, expect } from "vitest";
import {
  badEmail,
  bearer,
  expectDetail,
  expectJson,
  expectValidation,
  jsonBody,
  PASSWORD,
  type TestServer,
  test,
} from "./harness.js";

function patchMe(server: TestServer, token: string, body: unknown): Promise<Response> {
  return server.fetch("/users/me", jsonBody("PATCH", body, bearer(token)));
}

async function loginStatus(server: TestServer, username: string, password: string) {
  const response = await server.fetch("/auth/login", {
    method: "POST",
    body: new URLSearchParams({ username, password }),
  });
  return response.status;
}

describe("GET /users/me", () => {
  test("200 with the user object of the token's owner", async ({ server }) => {
    const { user, token } = await server.user();
    await server.user("bob@example.com");
    await expectJson(await server.me(bearer(token)), 200, user);
  });
});

describe("PATCH /users/me", () => {
  test("an email change answers the new user and unverifies it", async ({ server }) => {
    const { user, token } = await server.user();
    await server.setUser(user.id, { isVerified: true });
    await expectJson(await patchMe(server, token, { email: "Alice.New@Example.ORG" }), 200, {
      ...user,
      email: "Alice.New@example.org",
      is_verified: false,
    });
    await expectJson(await server.me(bearer(token)), 200, {
      ...user,
      email: "Alice.New@example.org",
      is_verified: false,
    });
    expect(await loginStatus(server, "alice.new@example.org", PASSWORD)).toBe(200);
    expect(await loginStatus(server, "alice@example.com", PASSWORD)).toBe(400);
  });

  test("the same email again is no change: still verified", async ({ server }) => {
    const { user, token } = await server.user();
    await server.setUser(user.id, { isVerified: true });
    await expectJson(await patchMe(server, token, { email: "alice@example.com" }), 200, {
      ...user,
      is_verified: true,
    });
  });

  test("{} and nulls change nothing", async ({ server }) => {
    const { user, token } = await server.user();
    const before = await server.snapshot();
    await expectJson(await patchMe(server, token, {}), 200, user);
    await expectJson(await patchMe(server, token, { email: null, password: null }), 200, user);
    expect(await server.snapshot()).toEqual(before);
    expect(await loginStatus(server, "alice@example.com", PASSWORD)).toBe(200);
  });

  test("a password change: the new one logs in, the old one not; tokens survive", async ({
    server,
  }) => {
    const { user, token } = await server.user();
    await expectJson(await patchMe(server, token, { password: "another good one" }), 200, user);
    expect(await loginStatus(server, "alice@example.com", "another good one")).toBe(200);
    expect(await loginStatus(server, "alice@example.com", PASSWORD)).toBe(400);
    expect((await server.me(bearer(token))).status).toBe(200);
  });

  test("400 UPDATE_USER_EMAIL_ALREADY_EXISTS for another user's email in any case", async ({
    server,
  }) => {
    await server.user("Bob@example.com");
    const { token } = await server.user();
    const before = await server.snapshot();
    for (const email of ["Bob@example.com", "bob@example.com", "BOB@EXAMPLE.COM"]) {
      await expectDetail(
        await patchMe(server, token, { email }),
        400,
        "UPDATE_USER_EMAIL_ALREADY_EXISTS",
      );
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("one's own email in another case is allowed (FastAPI Users 11 refused it)", async ({
    server,
  }) => {
    const { user, token } = await server.user();
    await expectJson(await patchMe(server, token, { email: "ALICE@example.com" }), 200, {
      ...user,
      email: "ALICE@example.com",
    });
    expect(await loginStatus(server, "alice@example.com", PASSWORD)).toBe(200);
  });

  test.for([
    ["a short password", "short", "Password should be at least 8 characters"],
    [
      "a password containing the email",
      "my alice@example.com!",
      "Password should not contain e-mail",
    ],
  ])("400 UPDATE_USER_INVALID_PASSWORD for %s", async ([, password, reason], { server }) => {
    const { token } = await server.user();
    const before = await server.snapshot();
    await expectDetail(await patchMe(server, token, { password }), 400, {
      code: "UPDATE_USER_INVALID_PASSWORD",
      reason,
    });
    expect(await server.snapshot()).toEqual(before);
  });

  test("is_active, is_superuser and is_verified are silently ignored", async ({ server }) => {
    const { user, token } = await server.user();
    const before = await server.snapshot();
    const response = await patchMe(server, token, {
      is_active: false,
      is_superuser: true,
      is_verified: true,
    });
    await expectJson(response, 200, user);
    expect(await server.snapshot()).toEqual(before);
    const admin = await server.fetch(`/users/${user.id}`, { headers: bearer(token) });
    await expectDetail(admin, 403, "Forbidden");
  });

  test("the ignored flags do not stop the allowed fields", async ({ server }) => {
    const { user, token } = await server.user();
    const response = await patchMe(server, token, {
      email: "alice2@example.com",
      is_superuser: true,
    });
    await expectJson(response, 200, { ...user, email: "alice2@example.com" });
  });

  test("422 for an invalid email, and nothing changes", async ({ server }) => {
    const { token } = await server.user();
    const before = await server.snapshot();
    for (const email of ["not-an-email", "x@localhost", "x@test", ""]) {
      await expectValidation(await patchMe(server, token, { email }), [badEmail()]);
    }
    expect(await server.snapshot()).toEqual(before);
  });
});
