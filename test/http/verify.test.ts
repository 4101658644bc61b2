import { SignJWT } from "jose";
import { describe, expect } from "vitest";
import {
  badEmail,
  expectDetail,
  expectJson,
  expectValidation,
  jsonBody,
  missing,
  notAString,
  SECRET,
  type TestServer,
  test,
} from "./harness.js";

function requestToken(server: TestServer, email: unknown) {
  return server.fetch("/auth/request-verify-token", jsonBody("POST", { email }));
}

function verify(server: TestServer, token: unknown) {
  return server.fetch("/auth/verify", jsonBody("POST", { token }));
}

describe("POST /auth/request-verify-token", () => {
  test("202 null, identical, for unknown, inactive, verified and unverified users", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const { id: ivan } = await server.register("ivan@example.com");
    await server.setUser(ivan, { isActive: false });
    const { id: vera } = await server.register("vera@example.com");
    await server.setUser(vera, { isVerified: true });
    const answers = [];
    for (const email of [
      "alice@example.com",
      "nobody@example.com",
      "ivan@example.com",
      "vera@example.com",
    ]) {
      const response = await requestToken(server, email);
      const headers = [...response.headers].filter(([name]) => name !== "date");
      answers.push({ status: response.status, headers, body: await response.text() });
    }
    expect(answers[0]).toMatchObject({ status: 202, body: "null" });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    // Only the active, unverified user got a token.
    expect(server.mailer.sent.map((mail) => mail.to)).toEqual(["alice@example.com"]);
    for (const email of ["ivan@example.com", "vera@example.com"]) {
      expect((await server.outbox(email)).verify).toBeNull();
    }
  });

  test("the token is FastAPI Users' verify JWT: aud, sub, email, one hour", async ({ server }) => {
    const { id } = await server.register("Alice@example.com");
    const token = await server.verifyToken("alice@EXAMPLE.com");
    const payload = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    expect(payload).toEqual({
      sub: id,
      email: "Alice@example.com",
      aud: "fastapi-users:verify",
      iat: expect.any(Number),
      exp: payload.iat + 3600,
    });
    expect(server.mailer.sent[0]?.text).toContain(`/?verify_token=${token}`);
  });

  test("422 for a missing or invalid email", async ({ server }) => {
    await expectValidation(await server.fetch("/auth/request-verify-token", jsonBody("POST", {})), [
      missing("body", "email"),
    ]);
    await expectValidation(await requestToken(server, "nope"), [badEmail()]);
  });
});

describe("POST /auth/verify", () => {
  test("the full flow: 200 with the verified user, then VERIFY_USER_ALREADY_VERIFIED", async ({
    server,
  }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.verifyToken("alice@example.com");
    await expectJson(await verify(server, token), 200, {
      id,
      email: "alice@example.com",
      is_active: true,
      is_superuser: false,
      is_verified: true,
    });
    await expectDetail(await verify(server, token), 400, "VERIFY_USER_ALREADY_VERIFIED");
  });

  test("works for an inactive user, as FastAPI Users does", async ({ server }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.verifyToken("alice@example.com");
    await server.setUser(id, { isActive: false });
    const response = await verify(server, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ is_active: false, is_verified: true });
  });

  test("400 VERIFY_USER_BAD_TOKEN for garbage, forged, expired and reset tokens", async ({
    server,
  }) => {
    await server.register("alice@example.com");
    const token = await server.verifyToken("alice@example.com");
    const resetToken = await server.resetToken("alice@example.com");
    const payload = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    const forge = (secret: string, claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode(secret));
    const before = await server.snapshot();
    for (const bad of [
      "",
      "garbage",
      resetToken,
      await forge("another-secret-another-secret-another-secret", payload),
      await forge(SECRET, { ...payload, aud: "fastapi-users:reset" }),
      await forge(SECRET, { ...payload, email: "bob@example.com" }),
      await forge(SECRET, { ...payload, email: undefined }),
      await forge(SECRET, { ...payload, sub: "00000000-0000-4000-8000-000000000000" }),
    ]) {
      await expectDetail(await verify(server, bad), 400, "VERIFY_USER_BAD_TOKEN");
    }
    expect(await server.snapshot()).toEqual(before);
    server.clock.advance(3601 * 1000);
    await expectDetail(await verify(server, token), 400, "VERIFY_USER_BAD_TOKEN");
  });

  test("400 VERIFY_USER_BAD_TOKEN once the email changed, or the user is gone", async ({
    server,
  }) => {
    const { id } = await server.register("alice@example.com");
    const token = await server.verifyToken("alice@example.com");
    await server.setUser(id, { email: "alice.new@example.com" });
    await expectDetail(await verify(server, token), 400, "VERIFY_USER_BAD_TOKEN");

    const { id: bob } = await server.register("bob@example.com");
    const bobs = await server.verifyToken("bob@example.com");
    await server.setup.manager.delete(await server.setup.manager.get(bob));
    await expectDetail(await verify(server, bobs), 400, "VERIFY_USER_BAD_TOKEN");
  });

  test("422 for a missing or non-string token", async ({ server }) => {
    await expectValidation(await server.fetch("/auth/verify", jsonBody("POST", {})), [
      missing("body", "token"),
    ]);
    await expectValidation(await verify(server, 12), [notAString("token")]);
  });
});

describe("GET /_test/tokens/{email}", () => {
  test("404 unless the demo runs with the outbox exposed", async () => {
    const { TestServer } = await import("./harness.js");
    const server = await TestServer.start({ exposeTokens: false });
    try {
      await server.register("alice@example.com");
      await server.fetch("/auth/forgot-password", jsonBody("POST", { email: "alice@example.com" }));
      // Not served at all: the framework's own 404.
      expect((await server.fetch("/_test/tokens/alice@example.com")).status).toBe(404);
      expect(server.mailer.sent).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
