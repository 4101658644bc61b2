import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Idp } from "../../demo/idp.js";
import { bearer, TestServer } from "./harness.js";
import { ALICE, oidcOptions, signIn, startTestIdp } from "./oauth-support.js";

// The database strategy's own feature: not in the other strategies' runs (vitest.config.ts).
let idp: Idp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp?.close();
});

describe("sign-in through a provider with refresh tokens", () => {
  it("the callback answers a refresh token as the login does, and it rotates", async () => {
    const server = await TestServer.start({ oidc: oidcOptions(idp), refreshTokens: true });
    try {
      const response = await signIn(server, ALICE);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { refresh_token: string; expires_in: number };
      expect(body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
      const refreshed = await server.fetch("/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: body.refresh_token }),
      });
      expect(refreshed.status).toBe(200);
      const { access_token } = (await refreshed.json()) as { access_token: string };
      const sessions = await server.fetch("/users/me/sessions", {
        headers: bearer(access_token),
      });
      const [session] = (await sessions.json()) as { amr: string[] }[];
      expect(session?.amr).toEqual(["oauth:oidc"]);
    } finally {
      await server.close();
    }
  });
});
