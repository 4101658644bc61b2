import { RegExpRouter } from "hono/router/reg-exp-router";
import { DatabaseUnavailableError, type HttpResult, type Route } from "tessera-auth";
import { describe, expect, it, vi } from "vitest";
import { createDemoApp } from "../../demo/app.js";
import { NO_BODY } from "../../src/core/http-request.js";
import { RouteTable } from "../../src/http/route-table.js";

describe("the demo's route table in Hono", () => {
  it("fits Hono's RegExpRouter, so no request pays for the slower TrieRouter", async () => {
    // Hono's SmartRouter silently falls back to its TrieRouter for the whole app when one pair of
    // routes is ambiguous to the RegExpRouter (a static path beside a parameter, /docs/init.js
    // beside /docs/:asset): ~7 µs more on every request, the authenticated ones included.
    // With a provider's routes too, and the page the demo serves at their callbacks.
    const demo = await createDemoApp({
      databaseUrl: "sqlite::memory:",
      oidc: { issuer: "http://127.0.0.1:1", clientId: "id", clientSecret: "secret" },
    });
    try {
      const router = new RegExpRouter<string>();
      for (const route of demo.app.routes) router.add(route.method, route.path, route.path);
      expect(() => router.match("GET", "/users/me")).not.toThrow();
    } finally {
      await demo.close();
    }
  });
});

describe("RouteTable.serve", () => {
  const request = (method: string) => ({
    method,
    url: "http://127.0.0.1/me",
    headers: new Headers(),
    peerAddress: "127.0.0.1",
    body: NO_BODY,
  });
  const route = (handleNow: () => HttpResult | undefined): Route => ({
    method: "GET",
    path: "/me",
    handle: async () => ({ status: 200, body: { from: "handle" } }),
    handleNow,
  });

  it("answers at once with handleNow's result; awaits handle when handleNow gives none", async () => {
    const now = new RouteTable([route(() => ({ status: 200, body: { from: "handleNow" } }))]);
    expect(now.serve("/me", {}, request("GET"), null)).toEqual({
      status: 200,
      body: { from: "handleNow" },
    });
    const later = new RouteTable([route(() => undefined)]).serve("/me", {}, request("GET"), null);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual({ status: 200, body: { from: "handle" } });
  });

  it("turns what handleNow throws into the contract's answer at once: 503 for the database, 500 with no internals", () => {
    const unavailable = new RouteTable([
      route(() => {
        throw new DatabaseUnavailableError({ cause: new Error("connect ECONNREFUSED") });
      }),
    ]);
    expect(unavailable.serve("/me", {}, request("GET"), null)).toEqual({
      status: 503,
      headers: { "retry-after": "1" },
      body: { detail: "Service Unavailable" },
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const broken = new RouteTable([
        route(() => {
          throw new Error("secret internals");
        }),
      ]);
      const answer = broken.serve("/me", {}, request("GET"), null);
      expect(answer).toEqual({ status: 500, body: { detail: "Internal Server Error" } });
      expect(JSON.stringify(answer)).not.toContain("secret");
    } finally {
      errors.mockRestore();
    }
  });
});
