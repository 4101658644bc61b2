import { defineUserFields } from "tessera-auth";
import { test as base, describe, expect } from "vitest";
import {
  bearer,
  expectJson,
  expectValidation,
  jsonBody,
  missing,
  PASSWORD,
  TestServer,
  UUID,
} from "./harness.js";

/** One field of each kind the declaration allows. */
const userFields = defineUserFields({
  displayName: { type: "string", required: true, minLength: 1, maxLength: 20 },
  age: { type: "integer", minimum: 0, maximum: 150 },
  newsletter: { type: "boolean", default: false },
  plan: { type: "string", enum: ["free", "pro"], default: "free", writableBy: "superuser" },
  credits: { type: "number", default: 0, writableBy: "server" },
  referralCode: { type: "string", pattern: "[A-Z]{4}", returned: false },
  nickname: { type: "string", column: "nick" },
});

const schema = { userTable: "fields_user", accessTokenTable: "fields_token", userFields };

const test = base.extend<{ server: TestServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  server: async ({}, use) => {
    const server = await TestServer.start({ schema });
    try {
      await use(server);
    } finally {
      await server.close();
    }
  },
});

/** What a new user's answer holds besides what the test sends. */
const FRESH = {
  is_active: true,
  is_superuser: false,
  is_verified: false,
  age: null,
  newsletter: false,
  plan: "free",
  credits: 0,
  nickname: null,
};

function register(server: TestServer, body: Record<string, unknown>): Promise<Response> {
  return server.fetch("/auth/register", jsonBody("POST", { password: PASSWORD, ...body }));
}

async function registered(server: TestServer, body: Record<string, unknown>) {
  const response = await register(server, body);
  expect(response.status).toBe(201);
  const user = (await response.json()) as Record<string, unknown> & { id: string; email: string };
  return { user, token: await server.login(user.email) };
}

function rows(server: TestServer) {
  return server.rows("fields_user");
}

describe("custom user fields", () => {
  test("registration stores them, fills defaults and answers them (not the unreturned one)", async ({
    server,
  }) => {
    const response = await register(server, {
      email: "ada@example.com",
      display_name: "Ada 🧮",
      age: 36,
      newsletter: true,
      referral_code: "ABCD",
      nickname: "Robert'); DROP TABLE fields_user;--",
    });
    const body = (await response.json()) as { id: string };
    expect(response.status).toBe(201);
    expect(body).toEqual({
      ...FRESH,
      id: expect.stringMatching(UUID),
      email: "ada@example.com",
      display_name: "Ada 🧮",
      age: 36,
      newsletter: true,
      nickname: "Robert'); DROP TABLE fields_user;--",
    });
    const [row] = await rows(server);
    expect(row).toMatchObject({
      display_name: "Ada 🧮",
      age: 36,
      referral_code: "ABCD",
      nick: "Robert'); DROP TABLE fields_user;--",
    });
    expect(Number(row?.credits)).toBe(0);
  });

  test("registration ignores fields only superusers or the server write", async ({ server }) => {
    const { user } = await registered(server, {
      email: "eve@example.com",
      display_name: "Eve",
      plan: "pro",
      credits: 1000,
      is_superuser: true,
    });
    expect(user).toMatchObject({ plan: "free", credits: 0, is_superuser: false });
  });

  test("every bad value is a 422 naming it, and nothing is written", async ({ server }) => {
    await expectValidation(await register(server, { email: "a@example.com" }), [
      missing("body", "display_name"),
    ]);
    const response = await register(server, {
      email: "a@example.com",
      display_name: "x".repeat(21),
      age: 1.5,
      newsletter: "yes",
      referral_code: "abcd",
      nickname: 7,
    });
    await expectValidation(response, [
      {
        loc: ["body", "display_name"],
        msg: "ensure this value has at most 20 characters",
        type: "value_error.any_str.max_length",
        ctx: { limit_value: 20 },
      },
      { loc: ["body", "age"], msg: "value is not a valid integer", type: "type_error.integer" },
      {
        loc: ["body", "newsletter"],
        msg: "value could not be parsed to a boolean",
        type: "type_error.bool",
      },
      {
        loc: ["body", "referral_code"],
        msg: 'string does not match regex "[A-Z]{4}"',
        type: "value_error.str.regex",
        ctx: { pattern: "[A-Z]{4}" },
      },
      { loc: ["body", "nickname"], msg: "str type expected", type: "type_error.str" },
    ]);
    const limits = await register(server, {
      email: "a@example.com",
      display_name: "",
      age: 151,
      nickname: "nul\u0000byte",
    });
    await expectValidation(limits, [
      {
        loc: ["body", "display_name"],
        msg: "ensure this value has at least 1 characters",
        type: "value_error.any_str.min_length",
        ctx: { limit_value: 1 },
      },
      {
        loc: ["body", "age"],
        msg: "ensure this value is less than or equal to 150",
        type: "value_error.number.not_le",
        ctx: { limit_value: 150 },
      },
      {
        loc: ["body", "nickname"],
        msg: "string contains a NUL character",
        type: "value_error.str.nul",
      },
    ]);
    const huge = await register(server, {
      email: "a@example.com",
      display_name: "Al",
      age: 2 ** 40,
    });
    expect(huge.status).toBe(422);
    expect(await rows(server)).toEqual([]);
  });

  test("length counts characters, not UTF-16 units or bytes", async ({ server }) => {
    const twenty = "🦄".repeat(20);
    const { user } = await registered(server, { email: "u@example.com", display_name: twenty });
    expect(user.display_name).toBe(twenty);
    const over = await register(server, { email: "v@example.com", display_name: `${twenty}🦄` });
    expect(over.status).toBe(422);
  });

  test("GET /users/me answers them; the token lookup reads them", async ({ server }) => {
    const { user, token } = await registered(server, {
      email: "ada@example.com",
      display_name: "Ada",
      age: 36,
    });
    await expectJson(await server.me(bearer(token)), 200, user);
  });

  test("PATCH /users/me changes the user's own fields, clears a nullable one with null, ignores the rest", async ({
    server,
  }) => {
    const { user, token } = await registered(server, {
      email: "ada@example.com",
      display_name: "Ada",
      age: 36,
      newsletter: true,
    });
    const patched = await server.fetch(
      "/users/me",
      jsonBody(
        "PATCH",
        { display_name: "Countess", age: null, newsletter: null, plan: "pro", credits: 5 },
        bearer(token),
      ),
    );
    const expected = { ...user, display_name: "Countess", age: null };
    await expectJson(patched, 200, expected);
    // The session survives: custom fields are not credentials.
    await expectJson(await server.me(bearer(token)), 200, expected);
    const bad = await server.fetch("/users/me", jsonBody("PATCH", { age: -1 }, bearer(token)));
    expect(bad.status).toBe(422);
    await expectJson(await server.me(bearer(token)), 200, expected);
  });

  test("PATCH /users/{id} lets a superuser set superuser fields, never server ones", async ({
    server,
  }) => {
    const { user } = await registered(server, { email: "ada@example.com", display_name: "Ada" });
    const { token } = await server.superuser();
    const patch = (body: unknown) =>
      server.fetch(`/users/${user.id}`, jsonBody("PATCH", body, bearer(token)));
    await expectJson(await patch({ plan: "pro", credits: 5 }), 200, { ...user, plan: "pro" });
    await expectValidation(await patch({ plan: "gold" }), [
      {
        loc: ["body", "plan"],
        msg: "unexpected value; permitted: 'free', 'pro'",
        type: "value_error.const",
        ctx: { given: "gold", permitted: ["free", "pro"] },
      },
    ]);
  });

  test("the server sets its own fields through the manager; the routes answer them", async ({
    server,
  }) => {
    const { user, token } = await registered(server, {
      email: "ada@example.com",
      display_name: "Ada",
    });
    const manager = server.setup.manager;
    await manager.update({ credits: 12.5 } as never, await manager.get(user.id));
    await expectJson(await server.me(bearer(token)), 200, { ...user, credits: 12.5 });
    await expect(
      manager.update({ credits: "lots" } as never, await manager.get(user.id)),
    ).rejects.toThrow('user field "credits": value is not a valid float');
    await expect(manager.update({ karma: 1 } as never, await manager.get(user.id))).rejects.toThrow(
      'unknown user field "karma"',
    );
  });

  test("the OpenAPI document describes them where each route accepts or answers them", async ({
    server,
  }) => {
    const document = (await (await server.fetch("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: object; required?: string[] }> };
    };
    const { UserCreate, UserUpdate, UserRead } = document.components.schemas;
    expect(Object.keys(UserCreate?.properties ?? {})).toEqual([
      "email",
      "password",
      "is_active",
      "is_superuser",
      "is_verified",
      "display_name",
      "age",
      "newsletter",
      "referral_code",
      "nickname",
    ]);
    expect(UserCreate?.required).toEqual(["email", "password", "display_name"]);
    expect(UserCreate?.properties).toMatchObject({
      display_name: { type: "string", minLength: 1, maxLength: 20 },
      age: { anyOf: [{ type: "integer", minimum: 0, maximum: 150 }, { type: "null" }] },
    });
    expect(Object.keys(UserUpdate?.properties ?? {})).toContain("plan");
    expect(Object.keys(UserUpdate?.properties ?? {})).not.toContain("credits");
    expect(UserRead?.properties).toMatchObject({
      plan: { type: "string", enum: ["free", "pro"], default: "free" },
      credits: { type: "number", default: 0 },
    });
    expect(Object.keys(UserRead?.properties ?? {})).not.toContain("referral_code");
  });
});
