import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import {
  badEmail,
  bearer,
  expectDetail,
  expectJson,
  expectNoContent,
  expectUnauthorized,
  expectValidation,
  jsonBody,
  PASSWORD,
  type TestServer,
  test,
  UUID,
} from "./harness.js";

const MALFORMED_IDS = ["not-a-uuid", "123", "me2", "00000000-0000-0000-0000-00000000000g"];

function patchUser(server: TestServer, id: string, token: string, body: unknown) {
  return server.fetch(`/users/${id}`, jsonBody("PATCH", body, bearer(token)));
}

function deleteUser(server: TestServer, id: string, token: string) {
  return server.fetch(`/users/${id}`, { method: "DELETE", headers: bearer(token) });
}

describe("/users/{id}: 401, then 403, then 404", () => {
  test("401 without a token, whatever the id", async ({ server }) => {
    const { user } = await server.user();
    for (const id of [user.id, randomUUID(), ...MALFORMED_IDS]) {
      await expectUnauthorized(await server.fetch(`/users/${id}`));
      await expectUnauthorized(await server.fetch(`/users/${id}`, jsonBody("PATCH", {})));
      await expectUnauthorized(await server.fetch(`/users/${id}`, { method: "DELETE" }));
    }
  });

  test("401 for an inactive superuser: the active check comes first", async ({ server }) => {
    const { user: bob } = await server.user("bob@example.com");
    const { user, token } = await server.superuser();
    await server.setUser(user.id, { isActive: false });
    await expectUnauthorized(await server.fetch(`/users/${bob.id}`, { headers: bearer(token) }));
    await expectUnauthorized(await deleteUser(server, bob.id, token));
  });

  test("403 for a normal user: its own id, another's, unknown or malformed", async ({ server }) => {
    const { user, token } = await server.user();
    const { user: bob } = await server.user("bob@example.com");
    const before = await server.snapshot();
    for (const id of [user.id, bob.id, randomUUID(), ...MALFORMED_IDS]) {
      await expectDetail(
        await server.fetch(`/users/${id}`, { headers: bearer(token) }),
        403,
        "Forbidden",
      );
      await expectDetail(
        await patchUser(server, id, token, { is_superuser: true }),
        403,
        "Forbidden",
      );
      await expectDetail(await patchUser(server, id, token, "not json"), 403, "Forbidden");
      await expectDetail(await deleteUser(server, id, token), 403, "Forbidden");
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("404 for a superuser on an unknown or malformed id", async ({ server }) => {
    const { token } = await server.superuser();
    const before = await server.snapshot();
    for (const id of [randomUUID(), ...MALFORMED_IDS]) {
      await expectDetail(
        await server.fetch(`/users/${id}`, { headers: bearer(token) }),
        404,
        "Not Found",
      );
      await expectDetail(await patchUser(server, id, token, { email: "bad" }), 404, "Not Found");
      await expectDetail(await deleteUser(server, id, token), 404, "Not Found");
    }
    expect(await server.snapshot()).toEqual(before);
  });
});

describe("GET /users/{id}", () => {
  test("200 with the user object, for any user including itself", async ({ server }) => {
    const { user } = await server.user();
    const { user: root, token } = await server.superuser();
    await expectJson(
      await server.fetch(`/users/${user.id}`, { headers: bearer(token) }),
      200,
      user,
    );
    await expectJson(await server.fetch(`/users/${root.id}`, { headers: bearer(token) }), 200, {
      id: root.id,
      email: "root@example.com",
      is_active: true,
      is_superuser: true,
      is_verified: false,
    });
  });

  test("the id is read as Python's UUID reads it: any case, dashes optional", async ({
    server,
  }) => {
    const { user } = await server.user();
    const { token } = await server.superuser();
    for (const id of [user.id.toUpperCase(), user.id.replaceAll("-", "")]) {
      await expectJson(await server.fetch(`/users/${id}`, { headers: bearer(token) }), 200, user);
    }
  });
});

describe("PATCH /users/{id}", () => {
  test("applies the privileged fields", async ({ server }) => {
    const { user, token: userToken } = await server.user();
    const { token } = await server.superuser();
    const response = await patchUser(server, user.id, token, {
      is_superuser: true,
      is_verified: true,
    });
    const expected = { ...user, is_superuser: true, is_verified: true };
    await expectJson(response, 200, expected);
    await expectJson(
      await server.fetch(`/users/${user.id}`, { headers: bearer(token) }),
      200,
      expected,
    );
    // The promoted user's existing token is a superuser's from the next request on.
    const [root] = (await server.snapshot()).users.filter(
      (row) => row.email === "root@example.com",
    );
    const promoted = await server.fetch(`/users/${root?.id}`, { headers: bearer(userToken) });
    expect(promoted.status).toBe(200);
  });

  test("deactivating a user revokes its tokens; reactivating brings none back", async ({
    server,
  }) => {
    const { user, token: userToken } = await server.user();
    const { token } = await server.superuser();
    await expectJson(await patchUser(server, user.id, token, { is_active: false }), 200, {
      ...user,
      is_active: false,
    });
    await expectUnauthorized(await server.me(bearer(userToken)));
    expect(await server.setup.strategy.database.listByUser(user.id, null)).toEqual([]);
    await expectJson(await patchUser(server, user.id, token, { is_active: true }), 200, user);
    await expectUnauthorized(await server.me(bearer(userToken)));
    expect((await server.me(bearer(await server.login(user.email)))).status).toBe(200);
  });

  test("email and password: unverifies on email change unless is_verified is given", async ({
    server,
  }) => {
    const { user } = await server.user();
    const { token } = await server.superuser();
    await patchUser(server, user.id, token, { is_verified: true });
    await expectJson(
      await patchUser(server, user.id, token, {
        email: "Carol@Example.com",
        password: "new password!",
      }),
      200,
      { ...user, email: "Carol@example.com", is_verified: false },
    );
    expect(await server.login("carol@example.com", "new password!")).toBeTruthy();
    await expectJson(
      await patchUser(server, user.id, token, { email: "dave@example.com", is_verified: true }),
      200,
      { ...user, email: "dave@example.com", is_verified: true },
    );
  });

  test("400 UPDATE_USER_EMAIL_ALREADY_EXISTS, in any case", async ({ server }) => {
    const { user } = await server.user();
    const { token } = await server.superuser();
    const before = await server.snapshot();
    for (const email of ["root@example.com", "ROOT@example.com"]) {
      await expectDetail(
        await patchUser(server, user.id, token, { email }),
        400,
        "UPDATE_USER_EMAIL_ALREADY_EXISTS",
      );
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("400 UPDATE_USER_INVALID_PASSWORD with the reason", async ({ server }) => {
    const { user } = await server.user();
    const { token } = await server.superuser();
    const before = await server.snapshot();
    await expectDetail(await patchUser(server, user.id, token, { password: "1234567" }), 400, {
      code: "UPDATE_USER_INVALID_PASSWORD",
      reason: "Password should be at least 8 characters",
    });
    await expectDetail(
      await patchUser(server, user.id, token, { password: "xalice@example.comx" }),
      400,
      { code: "UPDATE_USER_INVALID_PASSWORD", reason: "Password should not contain e-mail" },
    );
    expect(await server.snapshot()).toEqual(before);
  });

  test("422 for an invalid email or a flag that is not a boolean", async ({ server }) => {
    const { user } = await server.user();
    const { token } = await server.superuser();
    const before = await server.snapshot();
    await expectValidation(await patchUser(server, user.id, token, { email: "x@localhost" }), [
      badEmail(),
    ]);
    await expectValidation(await patchUser(server, user.id, token, { is_superuser: "yes" }), [
      {
        loc: ["body", "is_superuser"],
        msg: "value could not be parsed to a boolean",
        type: "type_error.bool",
      },
    ]);
    expect(await server.snapshot()).toEqual(before);
  });
});

describe("DELETE /users/{id}", () => {
  test("204; the user's tokens then give 401; a second DELETE is 404", async ({ server }) => {
    const { user, token: userToken } = await server.user();
    const { token } = await server.superuser();
    const cookieToken = await server.cookieLogin("alice@example.com");

    await expectNoContent(await deleteUser(server, user.id, token));
    await expectUnauthorized(await server.me(bearer(userToken)));
    await expectUnauthorized(await server.me({ cookie: `fastapiusersauth=${cookieToken}` }));
    await expectDetail(
      await server.fetch(`/users/${user.id}`, { headers: bearer(token) }),
      404,
      "Not Found",
    );
    await expectDetail(await deleteUser(server, user.id, token), 404, "Not Found");
    const login = await server.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
    });
    await expectDetail(login, 400, "LOGIN_BAD_CREDENTIALS");

    const { users, tokens } = await server.snapshot();
    expect(users.map((row) => row.email)).toEqual(["root@example.com"]);
    expect(tokens.map((row) => row.user_id)).not.toContain(user.id);
    expect((await server.me(bearer(token))).status).toBe(200);
  });

  test("the email is free again after a delete", async ({ server }) => {
    const { user } = await server.user();
    const { token } = await server.superuser();
    await deleteUser(server, user.id, token);
    const again = await server.register("alice@example.com");
    expect(again.id).toMatch(UUID);
    expect(again.id).not.toBe(user.id);
  });

  test("a superuser may delete itself, and its token then gives 401", async ({ server }) => {
    const { user, token } = await server.superuser();
    await expectNoContent(await deleteUser(server, user.id, token));
    await expectUnauthorized(await server.me(bearer(token)));
  });
});
