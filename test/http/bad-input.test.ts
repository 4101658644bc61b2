import { describe, expect } from "vitest";
import { exchange, type RawResponse } from "../support/raw-http.js";
import {
  bearer,
  cookie,
  expectDetail,
  expectUnauthorized,
  expectValidation,
  jsonBody,
  missing,
  NOT_A_DICT,
  notAString,
  PASSWORD,
  rawBody,
  test,
} from "./harness.js";

const LIMIT = 64 * 1024;
const SQL = ["' OR '1'='1", '\'; DROP TABLE "user"; --', '" OR 1=1 --', "%", "_%' --", "\\'; --"];

/** A JSON registration body of exactly `size` bytes, padded through an unknown field. */
function registrationOfSize(size: number, email = "big@example.com"): string {
  const shell = JSON.stringify({ email, password: PASSWORD, padding: "" });
  return JSON.stringify({ email, password: PASSWORD, padding: "x".repeat(size - shell.length) });
}

/** The same bytes sent chunked, with no Content-Length. */
function chunked(method: string, text: string, headers: Record<string, string> = {}): RequestInit {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 8192)
        controller.enqueue(bytes.slice(at, at + 8192));
      controller.close();
    },
  });
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body,
    duplex: "half",
  } as RequestInit;
}

async function expectTooLarge(response: Response) {
  await expectDetail(response, 413, "Request Entity Too Large");
}

describe("bodies over 64 KiB: 413, and nothing is written", () => {
  test("on every route that reads a body, with or without Content-Length", async ({ server }) => {
    const { user, token } = await server.user();
    const { token: root } = await server.superuser();
    const before = await server.snapshot();
    const json = registrationOfSize(LIMIT + 1);
    const form = new URLSearchParams({
      username: "alice@example.com",
      password: "x".repeat(LIMIT),
    });
    const requests: [string, RequestInit][] = [
      ["/auth/register", rawBody("POST", json, "application/json")],
      ["/auth/register", chunked("POST", json)],
      ["/auth/login", { method: "POST", body: form }],
      ["/auth/cookie/login", { method: "POST", body: form }],
      ["/users/me", rawBody("PATCH", json, "application/json", bearer(token))],
      ["/users/me", chunked("PATCH", json, bearer(token))],
      ["/users/me", rawBody("PATCH", json, "application/json")],
      [`/users/${user.id}`, rawBody("PATCH", json, "application/json", bearer(root))],
      [`/users/${user.id}`, chunked("PATCH", json, bearer(root))],
    ];
    for (const [path, init] of requests) {
      await expectTooLarge(await server.fetch(path, init));
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("exactly 64 KiB is still read", async ({ server }) => {
    const body = registrationOfSize(LIMIT);
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const response = await server.fetch(
      "/auth/register",
      rawBody("POST", body, "application/json"),
    );
    expect(response.status).toBe(201);
    await expectTooLarge(
      await server.fetch(
        "/auth/register",
        rawBody("POST", registrationOfSize(LIMIT + 1, "b@example.com"), "application/json"),
      ),
    );
  });
});

describe("SQL metacharacters are plain data", () => {
  test("in a registered email and password: stored as typed, login works", async ({ server }) => {
    const password = '\'; DROP TABLE "user"; --';
    const user = await server.register("o'brien+test@example.com", password);
    expect(user.email).toBe("o'brien+test@example.com");
    const token = await server.login("O'Brien+test@example.com", password);
    expect((await server.me(bearer(token))).status).toBe(200);
    expect((await server.rows("user")).map(({ email }) => ({ email }))).toEqual([
      { email: "o'brien+test@example.com" },
    ]);
  });

  test("in an email that is not valid: 422", async ({ server }) => {
    for (const email of SQL.map((sql) => `x@example.com${sql}`)) {
      const response = await server.fetch(
        "/auth/register",
        jsonBody("POST", { email, password: PASSWORD }),
      );
      expect(response.status).toBe(422);
    }
    expect(await server.rows("user")).toEqual([]);
  });

  test("in a login username or password: 400, nothing written", async ({ server }) => {
    await server.user();
    const before = await server.snapshot();
    const attempts = [
      ...SQL.map((sql) => ({ username: sql, password: PASSWORD })),
      ...SQL.map((sql) => ({ username: `alice@example.com${sql}`, password: PASSWORD })),
      ...SQL.map((sql) => ({ username: "alice@example.com", password: sql })),
      { username: "_lice@example.com", password: PASSWORD },
      { username: "%@example.com", password: PASSWORD },
    ];
    for (const fields of attempts) {
      const response = await server.fetch("/auth/login", {
        method: "POST",
        body: new URLSearchParams(fields),
      });
      await expectDetail(response, 400, "LOGIN_BAD_CREDENTIALS");
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("in a token, as bearer or cookie: 401", async ({ server }) => {
    await server.user();
    const before = await server.snapshot();
    for (const sql of SQL) {
      await expectUnauthorized(await server.me(bearer(sql)));
      await expectUnauthorized(await server.me(cookie(encodeURIComponent(sql))));
      await expectUnauthorized(
        await server.fetch("/auth/logout", { method: "POST", headers: bearer(sql) }),
      );
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("in a user id: 404 for a superuser", async ({ server }) => {
    await server.user();
    const { token } = await server.superuser();
    const before = await server.snapshot();
    for (const sql of SQL) {
      const path = `/users/${encodeURIComponent(sql)}`;
      await expectDetail(await server.fetch(path, { headers: bearer(token) }), 404, "Not Found");
      await expectDetail(
        await server.fetch(path, jsonBody("PATCH", { is_active: false }, bearer(token))),
        404,
        "Not Found",
      );
      await expectDetail(
        await server.fetch(path, { method: "DELETE", headers: bearer(token) }),
        404,
        "Not Found",
      );
    }
    expect(await server.snapshot()).toEqual(before);
  });
});

describe("wrong JSON types: 422, never coerced, nothing written", () => {
  const bool = (field: string) => ({
    loc: ["body", field],
    msg: "value could not be parsed to a boolean",
    type: "type_error.bool",
  });

  test("on register", async ({ server }) => {
    const cases: [Record<string, unknown>, unknown[]][] = [
      [{ email: 42, password: PASSWORD }, [notAString("email")]],
      [{ email: "a@example.com", password: 12345678 }, [notAString("password")]],
      [
        { email: ["a@example.com"], password: { value: PASSWORD } },
        [notAString("email"), notAString("password")],
      ],
      [{ email: true, password: [] }, [notAString("email"), notAString("password")]],
      [{ email: "a@example.com", password: PASSWORD, is_active: "yes" }, [bool("is_active")]],
      [{ email: "a@example.com", password: PASSWORD, is_superuser: 1 }, [bool("is_superuser")]],
    ];
    for (const [body, errors] of cases) {
      await expectValidation(await server.fetch("/auth/register", jsonBody("POST", body)), errors);
    }
    expect(await server.rows("user")).toEqual([]);
  });

  test("on PATCH /users/me and PATCH /users/{id}", async ({ server }) => {
    const { user, token } = await server.user();
    const { token: root } = await server.superuser();
    const before = await server.snapshot();
    const cases: [Record<string, unknown>, unknown[]][] = [
      [{ email: 1 }, [notAString("email")]],
      [{ password: ["a", "b"] }, [notAString("password")]],
      [{ email: { $ne: null } }, [notAString("email")]],
      [{ is_active: "false", is_verified: 0 }, [bool("is_active"), bool("is_verified")]],
    ];
    for (const [body, errors] of cases) {
      await expectValidation(
        await server.fetch("/users/me", jsonBody("PATCH", body, bearer(token))),
        errors,
      );
      await expectValidation(
        await server.fetch(`/users/${user.id}`, jsonBody("PATCH", body, bearer(root))),
        errors,
      );
    }
    for (const text of ["[]", '"x"', "{", "email=a@example.com"]) {
      const response = await server.fetch(
        "/users/me",
        rawBody("PATCH", text, "application/json", bearer(token)),
      );
      expect(response.status).toBe(422);
    }
    await expectValidation(
      await server.fetch("/users/me", rawBody("PATCH", "", "application/json", bearer(token))),
      [missing("body")],
    );
    await expectValidation(
      await server.fetch("/users/me", rawBody("PATCH", "{}", "text/plain", bearer(token))),
      [NOT_A_DICT],
    );
    expect(await server.snapshot()).toEqual(before);
  });

  test("a file where the login form expects a string", async ({ server }) => {
    await server.user();
    const body = new FormData();
    body.set("username", "alice@example.com");
    body.set("password", new Blob([PASSWORD]), "password.txt");
    await expectValidation(await server.fetch("/auth/login", { method: "POST", body }), [
      notAString("password"),
    ]);
  });
});

describe("unparseable bodies", () => {
  test("malformed multipart: 400 as Starlette answers", async ({ server }) => {
    for (const contentType of ["multipart/form-data; boundary=xyz", "multipart/form-data"]) {
      const response = await server.fetch("/auth/login", rawBody("POST", "garbage", contentType));
      await expectDetail(response, 400, "There was an error parsing the body");
    }
  });

  test("deeply nested or unterminated JSON: 422, not a crash", async ({ server }) => {
    const open = "[".repeat(60_000);
    await expectValidation(
      await server.fetch("/auth/register", rawBody("POST", open, "application/json")),
      [
        {
          loc: ["body", 60_000],
          msg: "JSON decode error",
          type: "value_error.jsondecode",
          ctx: { pos: 60_000 },
        },
      ],
    );
    const nested = `{"email": ${"[".repeat(30_000)}${"]".repeat(30_000)}, "password": "x"}`;
    await expectValidation(
      await server.fetch("/auth/register", rawBody("POST", nested, "application/json")),
      [notAString("email")],
    );
  });

  test("JSON error positions count characters, not UTF-16 units", async ({ server }) => {
    const text = '{"email": "😀é", }';
    await expectValidation(
      await server.fetch("/auth/register", rawBody("POST", text, "application/json")),
      [
        {
          loc: ["body", 16],
          msg: "JSON decode error",
          type: "value_error.jsondecode",
          ctx: { pos: 16 },
        },
      ],
    );
  });
});

describe("bodies that are not UTF-8: 400 as FastAPI answers, nothing written", () => {
  /** Two bytes no UTF-8 text holds. */
  const NOT_UTF8 = Buffer.from([0xff, 0xfe]);
  const PARSE_ERROR = { detail: "There was an error parsing the body" };

  /** `text` with {@link NOT_UTF8} in place of each `<?>`, as bytes. */
  function withBadBytes(text: string): Buffer {
    const parts = text.split("<?>").map((part) => Buffer.from(part));
    return Buffer.concat(parts.flatMap((part, at) => (at === 0 ? [part] : [NOT_UTF8, part])));
  }

  /** The bytes as sent over a socket, untouched by a client's encoder. */
  async function send(
    server: { url: string },
    method: string,
    path: string,
    body: Buffer,
    headers: Record<string, string>,
  ): Promise<RawResponse> {
    return exchange(server.url, { method, path, body, headers }).response;
  }

  function expectParseError(response: RawResponse, what: string) {
    expect({ what, status: response.status, body: JSON.parse(response.body) }).toEqual({
      what,
      status: 400,
      body: PARSE_ERROR,
    });
    expect(response.headers["content-type"]).toBe("application/json");
  }

  const JSON_TYPE = { "content-type": "application/json" };
  const FORM_TYPE = { "content-type": "application/x-www-form-urlencoded" };

  test("PATCH /users/me and /users/{id}: the password and email stay as they were", async ({
    server,
  }) => {
    const { user, token } = await server.user();
    const { token: root } = await server.superuser();
    const before = await server.snapshot();
    const bodies = [
      `{"password": "${PASSWORD}<?>"}`,
      `{"password": "<?>"}`,
      `{"email": "alice<?>@example.com"}`,
      `{"email": "new@example.com", "password": "new password <?>"}`,
      `{"email": "new@example.com", "padding": "<?>"}`,
    ];
    for (const text of bodies) {
      for (const [path, auth] of [
        ["/users/me", token],
        [`/users/${user.id}`, root],
      ] as const) {
        const headers = { ...JSON_TYPE, authorization: `Bearer ${auth}` };
        expectParseError(await send(server, "PATCH", path, withBadBytes(text), headers), text);
      }
    }
    expect(await server.snapshot()).toEqual(before);
    await server.login("alice@example.com", PASSWORD);
  });

  test("POST /auth/register and /auth/reset-password", async ({ server }) => {
    for (const text of [
      `{"email": "bob@example.com", "password": "${PASSWORD}<?>"}`,
      `{"email": "b<?>b@example.com", "password": "${PASSWORD}"}`,
    ]) {
      expectParseError(
        await send(server, "POST", "/auth/register", withBadBytes(text), JSON_TYPE),
        text,
      );
      // No content type is read as JSON too.
      expectParseError(await send(server, "POST", "/auth/register", withBadBytes(text), {}), text);
    }
    expect(await server.rows("user")).toEqual([]);
    await server.user();
    const token = await server.resetToken("alice@example.com");
    const before = await server.snapshot();
    const reset = `{"token": "${token}", "password": "new password <?>"}`;
    expectParseError(
      await send(server, "POST", "/auth/reset-password", withBadBytes(reset), JSON_TYPE),
      reset,
    );
    expect(await server.snapshot()).toEqual(before);
    await server.login("alice@example.com", PASSWORD);
  });

  test("the login forms: percent-encoded or raw, urlencoded or multipart", async ({ server }) => {
    await server.user();
    const before = await server.snapshot();
    const urlencoded = [
      "username=alice%40example.com&password=%ff%fe",
      `username=alice%40example.com&password=${encodeURIComponent(PASSWORD)}%ff`,
      "username=alice%40example.com&password=%c3%28",
      "username=alice%40example.com&password=%ed%a0%80",
      "username=alice%40example.com&password=<?>",
      "username=alice<?>%40example.com&password=x",
    ];
    for (const path of ["/auth/login", "/auth/cookie/login"]) {
      for (const text of urlencoded) {
        expectParseError(await send(server, "POST", path, withBadBytes(text), FORM_TYPE), text);
      }
      const multipart = [
        "--b",
        'Content-Disposition: form-data; name="username"',
        "",
        "alice@example.com",
        "--b",
        'Content-Disposition: form-data; name="password"',
        "",
        `${PASSWORD}<?>`,
        "--b--",
        "",
      ].join("\r\n");
      expectParseError(
        await send(server, "POST", path, withBadBytes(multipart), {
          "content-type": "multipart/form-data; boundary=b",
        }),
        `${path} multipart`,
      );
    }
    expect(await server.snapshot()).toEqual(before);
  });

  test("UTF-8 beyond ASCII is read as sent, raw or percent-encoded", async ({ server }) => {
    const password = "pässwörd 🔑 パスワード";
    const registered = await send(
      server,
      "POST",
      "/auth/register",
      Buffer.from(JSON.stringify({ email: "zoë@example.com", password })),
      JSON_TYPE,
    );
    expect(registered.status).toBe(201);
    const raw = await send(
      server,
      "POST",
      "/auth/login",
      Buffer.from(`username=zo\u00eb%40example.com&password=${password.replaceAll(" ", "+")}`),
      FORM_TYPE,
    );
    expect(raw.status).toBe(200);
    await server.login("zoë@example.com", password);
  });
});
