import { type Context, Hono } from "hono";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseStrategy,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import { describe, expect, it } from "vitest";
import { cheapPasswords, memoryDatabase } from "../support/sqlite.js";

describe("route groups mounted in an app without onError", () => {
  it("still answer a lost database with the contract's 503, not Hono's plain 500", async () => {
    const db = await memoryDatabase();
    const manager = new UserManager<User<string>>(db.users, { passwordHelper: cheapPasswords() });
    const strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600 });
    const bearer = new AuthenticationBackend({
      name: "database",
      transport: new BearerTransport(),
      getStrategy: () => strategy,
    });
    const tessera = new Tessera<User<string>, string, Context>({
      getUserManager: () => manager,
      backends: [bearer],
    });
    const app = new Hono(); // deliberately no app.onError
    app.route("/auth", honoRoutes(authRoutes(tessera, bearer)));
    app.route("/users", honoRoutes(usersRoutes(tessera)));

    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    const token = await strategy.writeToken(user);
    const headers = { authorization: `Bearer ${token}` };
    expect((await app.request("/users/me", { headers })).status).toBe(200);

    await db.db.destroy(); // the connection is gone: every query now fails
    for (const request of [
      app.request("/users/me", { headers }),
      app.request("/users/me", {
        method: "PATCH",
        headers: { ...headers, "content-type": "application/json" },
        body: "{}",
      }),
      app.request("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: "ada@example.com", password: "analytical" }),
      }),
    ]) {
      const response = await request;
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.json()).toEqual({ detail: "Service Unavailable" });
    }
  });
});
