import { describe, expect } from "vitest";
import {
  bearer,
  cookie,
  expectDetail,
  expectNoContent,
  jsonBody,
  PASSWORD,
  TestServer,
  test,
} from "./harness.js";

const EVIL = "https://evil.example";

function logout(server: TestServer, token: string, headers: Record<string, string> = {}) {
  return server.fetch("/auth/cookie/logout", {
    method: "POST",
    headers: { ...cookie(token), ...headers },
  });
}

describe("CSRF: unsafe requests authenticated by the cookie", () => {
  test("403 CSRF_ORIGIN_NOT_TRUSTED from a foreign Origin; the session survives", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    for (const origin of [EVIL, "null", "http://127.0.0.1:1", "https://127.0.0.1"]) {
      const response = await logout(server, token, { origin });
      expect(response.headers.get("set-cookie")).toBeNull();
      await expectDetail(response, 403, "CSRF_ORIGIN_NOT_TRUSTED");
    }
    expect((await server.me(cookie(token))).status).toBe(200);
  });

  test("403 CSRF_CROSS_SITE_REQUEST when only Sec-Fetch-Site says cross-site", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    for (const site of ["cross-site", "same-site"]) {
      await expectDetail(
        await logout(server, token, { "sec-fetch-site": site }),
        403,
        "CSRF_CROSS_SITE_REQUEST",
      );
    }
    expect((await server.me(cookie(token))).status).toBe(200);
  });

  test("passes from the server's own origin, same-origin fetches, and non-browsers", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const variants: Record<string, string>[] = [
      { origin: server.url },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      {},
    ];
    for (const headers of variants) {
      const token = await server.cookieLogin("alice@example.com");
      await expectNoContent(await logout(server, token, headers));
    }
  });

  test("a cross-site PATCH /users/me with the cookie changes nothing", async ({ server }) => {
    await server.register("alice@example.com");
    const token = await server.cookieLogin("alice@example.com");
    const before = await server.snapshot();
    const response = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { email: "mallory@example.com" }, { ...cookie(token), origin: EVIL }),
    );
    await expectDetail(response, 403, "CSRF_ORIGIN_NOT_TRUSTED");
    expect(await server.snapshot()).toEqual(before);
  });

  test("safe methods and bearer tokens are not affected", async ({ server }) => {
    const { token } = await server.user("alice@example.com");
    const browser = await server.cookieLogin("alice@example.com");
    expect((await server.me({ ...cookie(browser), origin: EVIL })).status).toBe(200);
    const patched = await server.fetch(
      "/users/me",
      jsonBody("PATCH", {}, { ...bearer(token), origin: EVIL }),
    );
    expect(patched.status).toBe(200);
    // A bearer header beside a foreign cookie: the bearer authenticates, the cookie is ignored.
    const both = await server.fetch(
      "/users/me",
      jsonBody("PATCH", {}, { ...bearer(token), ...cookie(browser), origin: EVIL }),
    );
    expect(both.status).toBe(200);
  });

  test("login CSRF: a foreign page cannot log the browser in", async ({ server }) => {
    await server.register("alice@example.com");
    const before = await server.snapshot();
    const body = new URLSearchParams({ username: "alice@example.com", password: PASSWORD });
    const response = await server.fetch("/auth/cookie/login", {
      method: "POST",
      headers: { origin: EVIL },
      body,
    });
    expect(response.headers.get("set-cookie")).toBeNull();
    await expectDetail(response, 403, "CSRF_ORIGIN_NOT_TRUSTED");
    expect(await server.snapshot()).toEqual(before);
    // The bearer login answers with JSON, which a foreign page cannot read: not checked.
    const bearerLogin = await server.fetch("/auth/login", {
      method: "POST",
      headers: { origin: EVIL },
      body,
    });
    expect(bearerLogin.status).toBe(200);
  });
});

describe("trusted origins", () => {
  test("a configured origin may use the cookie; others still may not", async () => {
    const server = await TestServer.start({ trustedOrigins: ["https://App.Example.com/"] });
    try {
      await server.register("alice@example.com");
      const token = await server.cookieLogin("alice@example.com");
      await expectDetail(
        await logout(server, token, { origin: EVIL }),
        403,
        "CSRF_ORIGIN_NOT_TRUSTED",
      );
      await expectNoContent(await logout(server, token, { origin: "https://app.example.com" }));
    } finally {
      await server.close();
    }
  });
});
