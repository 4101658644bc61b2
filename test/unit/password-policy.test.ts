import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseStrategy,
  defaultPasswordPolicy,
  InvalidPasswordException,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  registerRoutes,
  resetPasswordRoutes,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import { describe, expect, it } from "vitest";
import { cheapPasswords, memoryDatabase } from "../support/sqlite.js";

const ALICE = { email: "alice.liddell@example.com" };

/** The reason the policy refuses `password` for `user`, or `null` if it accepts it. */
function refusal(password: string, user = ALICE): string | null {
  try {
    defaultPasswordPolicy(password, user);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPasswordException);
    return (error as InvalidPasswordException).reason;
  }
}

const TOO_SHORT = "Password should be at least 8 characters";
const TOO_LONG = `Password should be at most ${PASSWORD_MAX_LENGTH} characters`;
const IS_EMAIL = "Password should not be the e-mail address";

describe("defaultPasswordPolicy (NIST SP 800-63B)", () => {
  it("asks for 8 characters at least, counted in code points", () => {
    expect(PASSWORD_MIN_LENGTH).toBe(8);
    expect(refusal("")).toBe(TOO_SHORT);
    expect(refusal("1234567")).toBe(TOO_SHORT);
    expect(refusal("12345678")).toBeNull();
    expect(refusal("        ")).toBeNull(); // spaces are characters too
    // Seven emoji are 14 UTF-16 units but 7 characters; eight are enough.
    expect("🔑".repeat(7).length).toBe(14);
    expect(refusal("🔑".repeat(7))).toBe(TOO_SHORT);
    expect(refusal("🔑".repeat(8))).toBeNull();
    expect(refusal("pässwör")).toBe(TOO_SHORT);
    expect(refusal("pässwörd")).toBeNull();
    expect(refusal("パスワードです。")).toBeNull();
  });

  it("lets long passphrases through, up to 1024 characters", () => {
    expect(PASSWORD_MAX_LENGTH).toBe(1024);
    expect(refusal("correct horse battery staple")).toBeNull();
    expect(refusal("x".repeat(1024))).toBeNull();
    expect(refusal("🔑".repeat(1024))).toBeNull();
    expect(refusal("x".repeat(1025))).toBe(TOO_LONG);
    expect(refusal("🔑".repeat(1025))).toBe(TOO_LONG);
    expect(refusal("x".repeat(1_000_000))).toBe(TOO_LONG);
  });

  it("refuses the email address or the part before its @, ignoring case", () => {
    expect(refusal("alice.liddell@example.com")).toBe(IS_EMAIL);
    expect(refusal("Alice.Liddell@Example.COM")).toBe(IS_EMAIL);
    expect(refusal("alice.liddell")).toBe(IS_EMAIL);
    expect(refusal("ALICE.LIDDELL")).toBe(IS_EMAIL);
    expect(refusal("ａｌｉｃｅ．ｌｉｄｄｅｌｌ")).toBe(IS_EMAIL); // fullwidth forms
    // Containing it is allowed: a passphrase may hold a name.
    expect(refusal("alice.liddell in wonderland")).toBeNull();
    expect(refusal("example.com")).toBeNull();
  });
});

describe("the UserManager's password rule", () => {
  it("is the default policy unless validatePassword is given", async () => {
    const db = await memoryDatabase();
    const manager = new UserManager(db.users, { passwordHelper: cheapPasswords() });
    for (const [password, reason] of [
      ["", TOO_SHORT],
      ["short", TOO_SHORT],
      ["Bob.Smith@example.com", IS_EMAIL],
      ["x".repeat(1025), TOO_LONG],
    ]) {
      await expect(
        manager.create({ email: "bob.smith@example.com", password: password as string }),
      ).rejects.toThrow(new InvalidPasswordException(reason as string));
    }
    expect(await db.db.selectFrom("user").selectAll().execute()).toEqual([]);
    const bob = await manager.create({ email: "bob.smith@example.com", password: "long enough" });
    await expect(manager.update({ password: "" }, bob)).rejects.toThrow(TOO_SHORT);
    // A password checked against the email the same update sets.
    await expect(
      manager.update({ email: "carol.jones@example.com", password: "carol.jones" }, bob),
    ).rejects.toThrow(IS_EMAIL);
  });

  it("is replaced entirely by validatePassword, which can keep it by calling it", async () => {
    const db = await memoryDatabase();
    const lax = new UserManager(db.users, {
      passwordHelper: cheapPasswords(),
      validatePassword: () => {},
    });
    await expect(lax.create({ email: "a@example.com", password: "" })).resolves.toBeDefined();
    const stricter = new UserManager(db.users, {
      passwordHelper: cheapPasswords(),
      validatePassword(password, user) {
        defaultPasswordPolicy(password, user);
        if (password === "password") throw new InvalidPasswordException("Too common");
      },
    });
    await expect(stricter.create({ email: "b@example.com", password: "" })).rejects.toThrow(
      TOO_SHORT,
    );
    await expect(stricter.create({ email: "b@example.com", password: "password" })).rejects.toThrow(
      "Too common",
    );
  });
});

describe("the routes over a default UserManager", () => {
  it("answer 400 with the contract's code and the policy's reason", async () => {
    const db = await memoryDatabase();
    let resetToken = "";
    const manager = new UserManager<User<string>>(db.users, {
      passwordHelper: cheapPasswords(),
      resetPasswordTokenSecret: "a-reset-secret-of-at-least-32-bytes!",
      hooks: {
        onAfterForgotPassword: (_user, token) => {
          resetToken = token;
        },
      },
    });
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600 });
    const bearer = new AuthenticationBackend({
      name: "database",
      transport: new BearerTransport({ tokenUrl: "auth/login" }),
      getStrategy: () => strategy,
    });
    const tessera = new Tessera<User<string>, string, Context>({
      getUserManager: () => manager,
      backends: [bearer],
      rateLimit: false,
    });
    const app = new Hono();
    app.route("/auth", honoRoutes(registerRoutes(tessera)));
    app.route("/auth", honoRoutes(authRoutes(tessera, bearer)));
    app.route("/auth", honoRoutes(resetPasswordRoutes(tessera)));
    app.route("/users", honoRoutes(usersRoutes(tessera)));
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
      method,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const expectRefused = async (response: Response, code: string, reason: string) => {
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 400,
        body: { detail: { code, reason } },
      });
    };
    try {
      for (const password of ["", "1234567", "ada@example.com"]) {
        await expectRefused(
          await fetch(`${url}/auth/register`, json("POST", { email: "ada@example.com", password })),
          "REGISTER_INVALID_PASSWORD",
          password === "ada@example.com" ? IS_EMAIL : TOO_SHORT,
        );
      }
      const registered = await fetch(
        `${url}/auth/register`,
        json("POST", { email: "ada@example.com", password: "analytical engine" }),
      );
      expect(registered.status).toBe(201);
      const login = await fetch(`${url}/auth/login`, {
        method: "POST",
        body: new URLSearchParams({ username: "ada@example.com", password: "analytical engine" }),
      });
      const { access_token } = (await login.json()) as { access_token: string };
      await expectRefused(
        await fetch(
          `${url}/users/me`,
          json("PATCH", { password: "" }, { authorization: `Bearer ${access_token}` }),
        ),
        "UPDATE_USER_INVALID_PASSWORD",
        TOO_SHORT,
      );
      await manager.forgotPassword(await manager.getByEmail("ada@example.com"));
      await expectRefused(
        await fetch(
          `${url}/auth/reset-password`,
          json("POST", { token: resetToken, password: "" }),
        ),
        "RESET_PASSWORD_INVALID_PASSWORD",
        TOO_SHORT,
      );
    } finally {
      server.close();
    }
  });
});
