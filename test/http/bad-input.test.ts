import { describe, expect } from "vitest";
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
