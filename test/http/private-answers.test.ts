import { describe, expect } from "vitest";
import { bearer, jsonBody, PASSWORD, test } from "./harness.js";

describe("answers that carry a token or user data are never cached", () => {
  test("Cache-Control: no-store on login, cookie login and logout, register, /users/me, /users/{id}, verify", async ({
    server,
  }) => {
    const register = await server.fetch(
      "/auth/register",
      jsonBody("POST", { email: "alice@example.com", password: PASSWORD }),
    );
    const form = { username: "alice@example.com", password: PASSWORD };
    const login = await server.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams(form),
    });
    const cookieLogin = await server.fetch("/auth/cookie/login", {
      method: "POST",
      body: new URLSearchParams(form),
    });
    const token = ((await login.clone().json()) as { access_token: string }).access_token;
    const cookieToken = /fastapiusersauth=([^;]*)/.exec(
      cookieLogin.headers.get("set-cookie") ?? "",
    )?.[1];
    const { token: root } = await server.superuser();
    const me = await server.me(bearer(token));
    const patched = await server.fetch("/users/me", jsonBody("PATCH", {}, bearer(token)));
    const { id } = (await me.clone().json()) as { id: string };
    const byId = await server.fetch(`/users/${id}`, {
      headers: bearer(root),
    });
    const verify = await server.fetch(
      "/auth/verify",
      jsonBody("POST", { token: await server.verifyToken("alice@example.com") }),
    );
    const cookieLogout = await server.fetch("/auth/cookie/logout", {
      method: "POST",
      headers: { cookie: `fastapiusersauth=${cookieToken}` },
    });
    const answers = { register, login, cookieLogin, me, patched, byId, verify, cookieLogout };
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, answer.status < 300, answer.headers.get("cache-control")]).toEqual([
        name,
        true,
        "no-store",
      ]);
    }
  });
});

describe("one email normalisation everywhere an address comes in", () => {
  test("an internationalised domain registers, logs in, resets and changes as typed", async ({
    server,
  }) => {
    const registered = await server.register("ada@bücher.de");
    expect(registered.email).toBe("ada@xn--bcher-kva.de");
    for (const username of ["ada@bücher.de", "ADA@BÜCHER.DE", "ada@xn--bcher-kva.de"]) {
      expect((await server.me(bearer(await server.login(username)))).status).toBe(200);
    }
    const forgot = await server.fetch(
      "/auth/forgot-password",
      jsonBody("POST", { email: "Ada@Bücher.de" }),
    );
    expect(forgot.status).toBe(202);
    expect((await server.outbox("ada@xn--bcher-kva.de")).reset_password).toEqual(
      expect.any(String),
    );
    // Changing to the same address written another way is no change at all.
    const token = await server.login("ada@bücher.de");
    const same = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { email: "ada@BÜCHER.de" }, bearer(token)),
    );
    expect(await same.json()).toMatchObject({ email: "ada@xn--bcher-kva.de" });
  });
});
