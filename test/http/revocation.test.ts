import { describe, expect } from "vitest";
import { bearer, cookie, expectUnauthorized, jsonBody, test } from "./harness.js";

describe("a password change revokes access tokens", () => {
  test("PATCH /users/me: every other token of the user goes, the request's own stays", async ({
    server,
  }) => {
    const { token: current } = await server.user("alice@example.com");
    const other = await server.login("alice@example.com");
    const browser = await server.cookieLogin("alice@example.com");
    const { token: bobs } = await server.user("bob@example.com");
    const response = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: "a brand new password" }, bearer(current)),
    );
    expect(response.status).toBe(200);
    expect((await server.me(bearer(current))).status).toBe(200);
    await expectUnauthorized(await server.me(bearer(other)));
    await expectUnauthorized(await server.me(cookie(browser)));
    expect((await server.me(bearer(bobs))).status).toBe(200);
  });

  test("through the cookie, the cookie's session is the one kept", async ({ server }) => {
    const { token: other } = await server.user("alice@example.com");
    const browser = await server.cookieLogin("alice@example.com");
    const response = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: "a brand new password" }, cookie(browser)),
    );
    expect(response.status).toBe(200);
    expect((await server.me(cookie(browser))).status).toBe(200);
    await expectUnauthorized(await server.me(bearer(other)));
  });

  test("an empty PATCH, a flag or a refused password revokes nothing", async ({ server }) => {
    const { token } = await server.user("alice@example.com");
    const other = await server.login("alice@example.com");
    for (const body of [{}, { is_superuser: true }, { password: "short" }]) {
      await server.fetch("/users/me", jsonBody("PATCH", body, bearer(token)));
    }
    expect((await server.me(bearer(other))).status).toBe(200);
    expect((await server.me(bearer(token))).status).toBe(200);
  });

  test("an email change revokes every other token; the request's own stays", async ({ server }) => {
    const { token } = await server.user("alice@example.com");
    const other = await server.login("alice@example.com");
    const browser = await server.cookieLogin("alice@example.com");
    const response = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { email: "alice2@example.com" }, bearer(token)),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      email: "alice2@example.com",
      is_verified: false,
    });
    await expectUnauthorized(await server.me(bearer(other)));
    await expectUnauthorized(await server.me(cookie(browser)));
    expect(await (await server.me(bearer(token))).json()).toMatchObject({
      email: "alice2@example.com",
    });
  });

  test("PATCH /users/{id} by a superuser revokes all of that user's tokens", async ({ server }) => {
    const { user, token } = await server.user("alice@example.com");
    const browser = await server.cookieLogin("alice@example.com");
    const { token: root } = await server.superuser();
    const response = await server.fetch(
      `/users/${user.id}`,
      jsonBody("PATCH", { password: "reset by an admin" }, bearer(root)),
    );
    expect(response.status).toBe(200);
    await expectUnauthorized(await server.me(bearer(token)));
    await expectUnauthorized(await server.me(cookie(browser)));
    expect((await server.me(bearer(root))).status).toBe(200);
  });

  test("a superuser changing their own password by id keeps the request's token", async ({
    server,
  }) => {
    const { user, token } = await server.superuser();
    const other = await server.login("root@example.com");
    const response = await server.fetch(
      `/users/${user.id}`,
      jsonBody("PATCH", { password: "a brand new password" }, bearer(token)),
    );
    expect(response.status).toBe(200);
    expect((await server.me(bearer(token))).status).toBe(200);
    await expectUnauthorized(await server.me(bearer(other)));
  });
});
