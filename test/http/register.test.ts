import { describe, expect } from "vitest";
import {
  badEmail,
  expectDetail,
  expectJson,
  expectValidation,
  jsonBody,
  missing,
  NOT_A_DICT,
  PASSWORD,
  rawBody,
  test,
  UUID,
} from "./harness.js";

describe("POST /auth/register", () => {
  test("201 with the user object, never the password or its hash", async ({ server }) => {
    const response = await server.fetch(
      "/auth/register",
      jsonBody("POST", { email: "alice@example.com", password: PASSWORD }),
    );
    await expectJson(response, 201, {
      id: expect.stringMatching(UUID),
      email: "alice@example.com",
      is_active: true,
      is_superuser: false,
      is_verified: false,
    });
    const row = (await server.rows("user"))[0] as Record<string, unknown>;
    expect(row.hashed_password).toMatch(/^\$argon2id\$/);
    expect(row.hashed_password).not.toContain(PASSWORD);
  });

  test("ignores is_active, is_superuser and is_verified in the body", async ({ server }) => {
    const response = await server.fetch(
      "/auth/register",
      jsonBody("POST", {
        email: "mallory@example.com",
        password: PASSWORD,
        is_active: false,
        is_superuser: true,
        is_verified: true,
      }),
    );
    await expectJson(response, 201, {
      id: expect.stringMatching(UUID),
      email: "mallory@example.com",
      is_active: true,
      is_superuser: false,
      is_verified: false,
    });
    const row = (await server.rows("user"))[0] as Record<string, unknown>;
    expect([row.is_active, row.is_superuser, row.is_verified].map(Boolean)).toEqual([
      true,
      false,
      false,
    ]);
  });

  test("keeps the local part as typed and lowercases the domain", async ({ server }) => {
    const user = await server.register("Alice@Example.COM");
    expect(user.email).toBe("Alice@example.com");
    const row = (await server.rows("user"))[0] as Record<string, unknown>;
    expect(row.email).toBe("Alice@example.com");
    expect(await server.login("alice@EXAMPLE.com")).toBeTruthy();
  });

  test("400 REGISTER_USER_ALREADY_EXISTS for an email differing only in case", async ({
    server,
  }) => {
    await server.register("Alice@Example.COM");
    for (const email of ["Alice@example.com", "alice@example.com", "ALICE@EXAMPLE.COM"]) {
      const response = await server.fetch(
        "/auth/register",
        jsonBody("POST", { email, password: PASSWORD }),
      );
      await expectDetail(response, 400, "REGISTER_USER_ALREADY_EXISTS");
    }
    const rows = (await server.rows("user")).map(({ email }) => ({ email }));
    expect(rows).toEqual([{ email: "Alice@example.com" }]);
  });

  test.for([
    ["a password under 8 characters", "short12", "Password should be at least 8 characters"],
    [
      "a password containing the email",
      "xxalice@example.comxx",
      "Password should not contain e-mail",
    ],
  ])("400 REGISTER_INVALID_PASSWORD for %s", async ([, password, reason], { server }) => {
    const response = await server.fetch(
      "/auth/register",
      jsonBody("POST", { email: "alice@example.com", password }),
    );
    await expectDetail(response, 400, { code: "REGISTER_INVALID_PASSWORD", reason });
    expect(await server.rows("user")).toEqual([]);
  });

  test("accepts a password of exactly 8 characters", async ({ server }) => {
    expect((await server.register("alice@example.com", "12345678")).email).toBe(
      "alice@example.com",
    );
  });

  test("422 for a missing email, password, or both", async ({ server }) => {
    const cases: [Record<string, unknown>, unknown[]][] = [
      [{ password: PASSWORD }, [missing("body", "email")]],
      [{ email: "alice@example.com" }, [missing("body", "password")]],
      [{}, [missing("body", "email"), missing("body", "password")]],
      [{ email: null, password: null }, [missing("body", "email"), missing("body", "password")]],
    ];
    for (const [body, errors] of cases) {
      await expectValidation(await server.fetch("/auth/register", jsonBody("POST", body)), errors);
    }
  });

  test.for([
    "not-an-email",
    "alice@",
    "@example.com",
    "alice@example",
    "alice@@example.com",
    "alice example@example.com",
    "x@localhost",
    "x@test",
    "x@sub.localhost",
    "x@example.invalid",
  ])("422 for the invalid email %j", async (email, { server }) => {
    const response = await server.fetch(
      "/auth/register",
      jsonBody("POST", { email, password: PASSWORD }),
    );
    await expectValidation(response, [badEmail()]);
  });

  test("422 value_error.jsondecode at the error's position for malformed JSON", async ({
    server,
  }) => {
    // Positions are those of Python's json module: where the decoder gave up.
    const cases: [string, number][] = [
      ['{"email": }', 10],
      ['{"email": "alice@example.com",}', 30],
      ['{"email" "alice@example.com"}', 9],
      ['{"email": "alice@example.com"', 29],
      ["{", 1],
      ["nope", 0],
      ['{"email": "a@example.com"} x', 27],
    ];
    for (const [text, position] of cases) {
      const response = await server.fetch(
        "/auth/register",
        rawBody("POST", text, "application/json"),
      );
      await expectValidation(response, [
        {
          loc: ["body", position],
          msg: "JSON decode error",
          type: "value_error.jsondecode",
          ctx: { pos: position },
        },
      ]);
    }
  });

  test("422 type_error.dict for a form body on the JSON route", async ({ server }) => {
    const form = new URLSearchParams({ email: "alice@example.com", password: PASSWORD });
    await expectValidation(await server.fetch("/auth/register", { method: "POST", body: form }), [
      NOT_A_DICT,
    ]);
    const multipart = new FormData();
    multipart.set("email", "alice@example.com");
    multipart.set("password", PASSWORD);
    await expectValidation(
      await server.fetch("/auth/register", { method: "POST", body: multipart }),
      [NOT_A_DICT],
    );
    expect(await server.rows("user")).toEqual([]);
  });

  test("422 type_error.dict for JSON under a non-JSON content type", async ({ server }) => {
    const text = JSON.stringify({ email: "alice@example.com", password: PASSWORD });
    for (const contentType of ["text/plain", "application/xml", "application/jsonx"]) {
      await expectValidation(
        await server.fetch("/auth/register", rawBody("POST", text, contentType)),
        [NOT_A_DICT],
      );
    }
  });

  test("accepts JSON with a charset or a +json media type", async ({ server }) => {
    const text = JSON.stringify({ email: "alice@example.com", password: PASSWORD });
    const first = await server.fetch(
      "/auth/register",
      rawBody("POST", text, "application/json; charset=utf-8"),
    );
    expect(first.status).toBe(201);
    const second = await server.fetch(
      "/auth/register",
      rawBody("POST", text.replace("alice", "bob"), "application/vnd.api+json"),
    );
    expect(second.status).toBe(201);
  });

  test("422 when the JSON is not an object, and field required for empty or null", async ({
    server,
  }) => {
    for (const text of ["[]", '"alice@example.com"', "42", "true"]) {
      await expectValidation(
        await server.fetch("/auth/register", rawBody("POST", text, "application/json")),
        [NOT_A_DICT],
      );
    }
    for (const text of ["", "null"]) {
      await expectValidation(
        await server.fetch("/auth/register", rawBody("POST", text, "application/json")),
        [missing("body")],
      );
    }
  });
});
