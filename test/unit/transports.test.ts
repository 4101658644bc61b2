import { BearerTransport, CookieTransport, readCookie } from "tessera-auth";
import { describe, expect, it } from "vitest";

const headers = (init: Record<string, string>) => new Headers(init);

describe("BearerTransport", () => {
  const bearer = new BearerTransport();

  it("reads the token of a Bearer authorization, scheme in any case", () => {
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      expect(bearer.readToken(headers({ authorization: `${scheme} abc` }))).toBe("abc");
    }
  });

  it("reads nothing from other schemes or malformed headers", () => {
    for (const value of ["Basic abc", "Bearer", "Bearer ", "Bearerabc", "Token abc", "abc", ""]) {
      expect(bearer.readToken(headers({ authorization: value }))).toBeNull();
    }
    expect(bearer.readToken(headers({}))).toBeNull();
  });

  it("answers login with the OAuth2 token JSON (never cached) and logout with an empty 204", () => {
    expect(bearer.loginResult("tok")).toEqual({
      status: 200,
      body: { access_token: "tok", token_type: "bearer" },
      headers: { "cache-control": "no-store" },
    });
    expect(bearer.logoutResult()).toEqual({ status: 204 });
  });
});

describe("CookieTransport", () => {
  it("sets FastAPI Users' cookie byte for byte with its defaults", async () => {
    const cookie = new CookieTransport({ cookieMaxAge: 3600 });
    const login = cookie.loginResult("tok");
    expect(login.status).toBe(204);
    expect(login.body).toBeUndefined();
    expect(login.headers).toEqual({
      "set-cookie": "fastapiusersauth=tok; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure",
      "cache-control": "no-store",
    });
    expect(cookie.logoutResult().headers?.["set-cookie"]).toBe(
      'fastapiusersauth=""; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure',
    );
    expect(new CookieTransport().loginResult("tok").headers?.["set-cookie"]).toBe(
      "fastapiusersauth=tok; HttpOnly; Path=/; SameSite=lax; Secure",
    );
  });

  it("honours every option", () => {
    const cookie = new CookieTransport({
      cookieName: "sid",
      cookieMaxAge: 60,
      cookiePath: "/app",
      cookieDomain: "example.com",
      cookieSecure: false,
      cookieHttpOnly: false,
      cookieSameSite: "strict",
    });
    expect(cookie.loginResult("tok").headers?.["set-cookie"]).toBe(
      "sid=tok; Domain=example.com; Max-Age=60; Path=/app; SameSite=strict",
    );
    expect(() => new CookieTransport({ cookieName: "bad name;" })).toThrow(TypeError);
  });

  it("reads its cookie among others, quoted or not", () => {
    const cookie = new CookieTransport();
    expect(cookie.readToken(headers({ cookie: "a=1; fastapiusersauth=tok; b=2" }))).toBe("tok");
    expect(cookie.readToken(headers({ cookie: 'fastapiusersauth="tok"' }))).toBe("tok");
    expect(cookie.readToken(headers({ cookie: "xfastapiusersauth=tok" }))).toBeNull();
    expect(cookie.readToken(headers({ cookie: 'fastapiusersauth=""' }))).toBeNull();
    expect(cookie.readToken(headers({}))).toBeNull();
    expect(readCookie("=;;=x; k", "k")).toBeNull();
  });
});
