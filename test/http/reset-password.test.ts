import { SignJWT } from "jose";
import { describe, expect } from "vitest";
import {
  badEmail,
  bearer,
  cookie,
  expectDetail,
  expectJson,
  expectUnauthorized,
  expectValidation,
  jsonBody,
  missing,
  notAString,
  PASSWORD,
  SECRET,
  type TestServer,
  test,
} from "./harness.js";

const NEW_PASSWORD = "a brand new password";

function forgot(server: TestServer, email: unknown) {
  return server.fetch("/auth/forgot-password", jsonBody("POST", { email }));
}

function reset(server: TestServer, token: unknown, password: unknown = NEW_PASSWORD) {
  return server.fetch("/auth/reset-password", jsonBody("POST", { token, password }));
}

/** Everything a client can observe of an answer (but its date and how the server keeps connections). */
async function observed(response: Response) {
  const headers = [...response.headers].filter(
    ([name]) => !["date", "connection", "keep-alive"].includes(name),
  );
  return { status: response.status, headers, body: await response.text() };
}

describe("POST /auth/forgot-password", () => {
  test("202 null, byte-identical, for known, unknown, inactive and differently cased emails", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const { id } = await server.register("ivan@example.com");
    await server.setUser(id, { isActive: false });
    const answers = [];
    for (const email of [
      "alice@example.com",
      "nobody@example.com",
      "ivan@example.com",
      "ALICE@example.com",
    ]) {
      answers.push(await observed(await forgot(server, email)));
    }
    expect(answers[0]).toEqual({
      status: 202,
      headers: [
        ["content-length", "4"],
        ["content-type", "application/json"],
      ],
      body: "null",
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  test("only an active user's token reaches the hook, and its email links to it", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const { id } = await server.register("ivan@example.com");
    await server.setUser(id, { isActive: false });
    await forgot(server, "nobody@example.com");
    await forgot(server, "ivan@example.com");
    expect(server.mailer.sent).toEqual([]);
    expect(await server.outbox("ivan@example.com")).toEqual({ reset_password: null, verify: null });

    const token = await server.resetToken("Alice@EXAMPLE.com");
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(server.mailer.sent).toHaveLength(1);
    const [mail] = server.mailer.sent;
    expect(mail?.to).toBe("alice@example.com");
    expect(mail?.text).toContain(`/?reset_token=${token}`);
    expect(mail?.html).toContain(`/?reset_token=${token}`);
  });

  test("the token is FastAPI Users' reset JWT: HS256, aud, sub, password_fgpt, one hour", async ({
    server,
  }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toEqual({
      sub: id,
      aud: "fastapi-users:reset",
      password_fgpt: expect.stringMatching(/^[\w-]{43}$/),
      iat: expect.any(Number),
      exp: payload.iat + 3600,
    });
    expect(token).not.toContain("argon2");
  });

  test("422 for a missing or invalid email", async ({ server }) => {
    await expectValidation(await server.fetch("/auth/forgot-password", jsonBody("POST", {})), [
      missing("body", "email"),
    ]);
    await expectValidation(await forgot(server, "not-an-email"), [badEmail()]);
    await expectValidation(await forgot(server, "x@localhost"), [badEmail()]);
    await expectValidation(await forgot(server, 42), [notAString("email")]);
  });
});

describe("POST /auth/reset-password", () => {
  test("the full flow: the outbox token sets a new password, once", async ({ server }) => {
    await server.register("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    await expectJson(await reset(server, token), 200, null);

    await server.login("alice@example.com", NEW_PASSWORD);
    const old = await server.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "alice@example.com", password: PASSWORD }),
    });
    await expectDetail(old, 400, "LOGIN_BAD_CREDENTIALS");

    const before = await server.snapshot();
    await expectDetail(
      await reset(server, token, "yet another password"),
      400,
      "RESET_PASSWORD_BAD_TOKEN",
    );
    expect(await server.snapshot()).toEqual(before);
  });

  test("revokes every access token of the user (bearer and cookie), not others'", async ({
    server,
  }) => {
    const { token: first } = await server.user("alice@example.com");
    const second = await server.cookieLogin("alice@example.com");
    const { token: bobs } = await server.user("bob@example.com");
    await expectJson(await reset(server, await server.resetToken("alice@example.com")), 200, null);
    await expectUnauthorized(await server.me(bearer(first)));
    await expectUnauthorized(await server.me(cookie(second)));
    expect((await server.me(bearer(bobs))).status).toBe(200);
  });

  test("a refused password is 400 with the reason, and the token stays usable", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    const before = await server.snapshot();
    await expectDetail(await reset(server, token, "short"), 400, {
      code: "RESET_PASSWORD_INVALID_PASSWORD",
      reason: "Password should be at least 8 characters",
    });
    await expectDetail(await reset(server, token, "xx alice@example.com"), 400, {
      code: "RESET_PASSWORD_INVALID_PASSWORD",
      reason: "Password should not contain e-mail",
    });
    expect(await server.snapshot()).toEqual(before);
    await expectJson(await reset(server, token), 200, null);
  });

  test("a bad token wins over a bad password", async ({ server }) => {
    await expectDetail(await reset(server, "garbage", "short"), 400, "RESET_PASSWORD_BAD_TOKEN");
  });

  test("400 RESET_PASSWORD_BAD_TOKEN for garbage, forged, expired and misdirected tokens", async ({
    server,
  }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    const verifyToken = await server.verifyToken("alice@example.com");
    const payload = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    const forge = (secret: string, claims = payload, alg = "HS256") =>
      new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${token.split(".")[1]}.`;
    const tampered = `${token.split(".")[0]}.${Buffer.from(
      JSON.stringify({ ...payload, sub: "00000000-0000-4000-8000-000000000000" }),
    ).toString("base64url")}.${token.split(".")[2]}`;
    const before = await server.snapshot();
    for (const bad of [
      "",
      "garbage",
      "a.b.c",
      "x".repeat(5000),
      unsigned,
      tampered,
      await forge("another-secret-another-secret-another-secret"),
      await forge(SECRET, { ...payload, aud: "fastapi-users:verify" }),
      await forge(SECRET, { ...payload, sub: "not-a-uuid" }),
      await forge(SECRET, { ...payload, password_fgpt: "x".repeat(43) }),
      await forge(SECRET, { ...payload, exp: undefined }),
      await forge(SECRET, payload, "HS512"),
      verifyToken,
      token.toUpperCase(),
    ]) {
      await expectDetail(await reset(server, bad), 400, "RESET_PASSWORD_BAD_TOKEN");
    }
    expect(await server.snapshot()).toEqual(before);

    server.clock.advance(3601 * 1000);
    await expectDetail(await reset(server, token), 400, "RESET_PASSWORD_BAD_TOKEN");
    expect(id).toBeTruthy();
  });

  test("a token still inside its hour works; one second past it does not", async ({ server }) => {
    await server.register("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    server.clock.advance(3599 * 1000);
    await expectJson(await reset(server, token), 200, null);
    const late = await server.resetToken("alice@example.com");
    server.clock.advance(3601 * 1000);
    await expectDetail(await reset(server, late), 400, "RESET_PASSWORD_BAD_TOKEN");
  });

  test("any password change voids the token (its fingerprint no longer matches)", async ({
    server,
  }) => {
    const { user, token: access } = await server.user("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    const patched = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: "changed in between" }, bearer(access)),
    );
    expect(patched.status).toBe(200);
    await expectDetail(await reset(server, token), 400, "RESET_PASSWORD_BAD_TOKEN");
    expect(user.id).toBeTruthy();
  });

  test("400 RESET_PASSWORD_BAD_TOKEN for an inactive or deleted user", async ({ server }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.resetToken("alice@example.com");
    await server.setUser(id, { isActive: false });
    await expectDetail(await reset(server, token), 400, "RESET_PASSWORD_BAD_TOKEN");
    await server.setUser(id, { isActive: true });
    await server.setup.manager.delete(await server.setup.manager.get(id));
    await expectDetail(await reset(server, token), 400, "RESET_PASSWORD_BAD_TOKEN");
  });

  test("422 for missing or non-string fields", async ({ server }) => {
    await expectValidation(await server.fetch("/auth/reset-password", jsonBody("POST", {})), [
      missing("body", "token"),
      missing("body", "password"),
    ]);
    await expectValidation(await reset(server, 1, true), [
      notAString("token"),
      notAString("password"),
    ]);
  });
});
