import { hashToken } from "tessera-auth";
import { describe, expect } from "vitest";
import {
  bearer,
  cookie,
  expectDetail,
  expectNoContent,
  expectUnauthorized,
  expectValidation,
  missing,
  PASSWORD,
  TOKEN,
  test,
} from "./harness.js";

const CLEARED = 'fastapiusersauth=""; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure';

function form(fields: Record<string, string>): RequestInit {
  return { method: "POST", body: new URLSearchParams(fields) };
}

describe("POST /auth/cookie/login", () => {
  test("204, empty, and the token in an HttpOnly Secure cookie living an hour", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const response = await server.fetch(
      "/auth/cookie/login",
      form({ username: "ALICE@example.com", password: PASSWORD }),
    );
    await expectNoContent(response);
    const setCookie = response.headers.getSetCookie();
    expect(setCookie).toHaveLength(1);
    const token = /^fastapiusersauth=([^;]*);/.exec(setCookie[0] ?? "")?.[1] ?? "";
    expect(token).toMatch(TOKEN);
    expect(setCookie[0]).toBe(
      `fastapiusersauth=${token}; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure`,
    );
    const rows = await server.setup.db.selectFrom("accesstoken").select("token").execute();
    expect(rows).toEqual([{ token: hashToken(token) }]);
  });

  test("the cookie authenticates /users/me, and so does its token as a bearer", async ({
    server,
  }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    const me = await server.me(cookie(token));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id, email: "alice@example.com" });
    expect((await server.me(bearer(token))).status).toBe(200);
    expect((await server.me({ cookie: `other=1; fastapiusersauth="${token}"; x=y` })).status).toBe(
      200,
    );
  });

  test("multipart works as urlencoded does", async ({ server }) => {
    await server.register("alice@example.com");
    const body = new FormData();
    body.set("username", "alice@example.com");
    body.set("password", PASSWORD);
    const response = await server.fetch("/auth/cookie/login", { method: "POST", body });
    await expectNoContent(response);
    expect(response.headers.get("set-cookie")).toMatch(/^fastapiusersauth=tess_[0-9A-Za-z]{49}; /);
  });

  test("400 LOGIN_BAD_CREDENTIALS and no cookie for bad credentials", async ({ server }) => {
    const { id } = await server.register("alice@example.com");
    await server.register("bob@example.com");
    await server.setUser(id, { isActive: false });
    for (const fields of [
      { username: "bob@example.com", password: "wrong password" },
      { username: "nobody@example.com", password: PASSWORD },
      { username: "alice@example.com", password: PASSWORD },
    ]) {
      const response = await server.fetch("/auth/cookie/login", form(fields));
      expect(response.headers.get("set-cookie")).toBeNull();
      await expectDetail(response, 400, "LOGIN_BAD_CREDENTIALS");
    }
    expect(await server.setup.db.selectFrom("accesstoken").selectAll().execute()).toEqual([]);
  });

  test("422 as /auth/login, with no cookie", async ({ server }) => {
    const response = await server.fetch("/auth/cookie/login", form({ username: "a@example.com" }));
    expect(response.headers.get("set-cookie")).toBeNull();
    await expectValidation(response, [missing("body", "password")]);
    const wrongGrant = await server.fetch(
      "/auth/cookie/login",
      form({ grant_type: "implicit", username: "a@example.com", password: PASSWORD }),
    );
    await expectValidation(wrongGrant, [
      {
        loc: ["body", "grant_type"],
        msg: 'string does not match regex "password"',
        type: "value_error.str.regex",
        ctx: { pattern: "password" },
      },
    ]);
  });
});

describe("POST /auth/cookie/logout", () => {
  test("204 with the cookie cleared; the token is revoked", async ({ server }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    const other = await server.cookieLogin("alice@example.com");
    const response = await server.fetch("/auth/cookie/logout", {
      method: "POST",
      headers: cookie(token),
    });
    await expectNoContent(response);
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    await expectUnauthorized(await server.me(cookie(token)));
    await expectUnauthorized(await server.me(bearer(token)));
    expect((await server.me(cookie(other))).status).toBe(200);
    const rows = await server.setup.db.selectFrom("accesstoken").select("token").execute();
    expect(rows).toEqual([{ token: hashToken(other) }]);
  });

  test("accepts a bearer token too", async ({ server }) => {
    const { token } = await server.user();
    const response = await server.fetch("/auth/cookie/logout", {
      method: "POST",
      headers: bearer(token),
    });
    await expectNoContent(response);
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    await expectUnauthorized(await server.me(bearer(token)));
  });

  test("401 and no Set-Cookie without a valid token; a second logout is 401", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    await expectUnauthorized(await server.fetch("/auth/cookie/logout", { method: "POST" }));
    await server.fetch("/auth/cookie/logout", { method: "POST", headers: cookie(token) });
    const again = await server.fetch("/auth/cookie/logout", {
      method: "POST",
      headers: cookie(token),
    });
    expect(again.headers.get("set-cookie")).toBeNull();
    await expectUnauthorized(again);
  });
});

describe("every backend is tried on every protected route", () => {
  test("a bad bearer token does not hide a good cookie, nor the reverse", async ({ server }) => {
    const { token } = await server.user();
    const junk = "J".repeat(43);
    const both = (b: string, c: string) => ({ ...bearer(b), ...cookie(c) });
    expect((await server.me(both(junk, token))).status).toBe(200);
    expect((await server.me(both(token, junk))).status).toBe(200);
    expect((await server.me({ authorization: "Basic eDp5", ...cookie(token) })).status).toBe(200);
    await expectUnauthorized(await server.me(both(junk, junk)));
  });

  test("the bearer backend's logout accepts the cookie and revokes its token", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    const response = await server.fetch("/auth/logout", { method: "POST", headers: cookie(token) });
    await expectNoContent(response);
    expect(response.headers.get("set-cookie")).toBeNull();
    await expectUnauthorized(await server.me(cookie(token)));
  });

  test("a superuser's cookie opens /users/{id} and PATCH /users/me", async ({ server }) => {
    const { user } = await server.user();
    await server.setup.manager.create({
      email: "root@example.com",
      password: PASSWORD,
      isSuperuser: true,
    });
    const token = await server.cookieLogin("root@example.com");
    const response = await server.fetch(`/users/${user.id}`, { headers: cookie(token) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(user);
    const patched = await server.fetch("/users/me", {
      method: "PATCH",
      headers: { "content-type": "application/json", ...cookie(token) },
      body: "{}",
    });
    expect(patched.status).toBe(200);
  });
});
