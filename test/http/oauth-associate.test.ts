import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Idp } from "../../demo/idp.js";
import { signInAtProvider } from "../support/idp-login.js";
import { bearer, TestServer } from "./harness.js";
import {
  ALICE,
  authorize,
  CAROL,
  callback,
  oidcOptions,
  signInToken,
  startTestIdp,
} from "./oauth-support.js";

let idp: Idp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp?.close();
});

async function withServer(body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await TestServer.start({ oidc: oidcOptions(idp) });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const AUTHORIZE = "/auth/associate/oidc/authorize";
const CALLBACK = "/auth/associate/oidc/callback";

/** The signed-in user (`token`) links the provider account of `person`. */
async function link(server: TestServer, token: string, person: typeof ALICE) {
  const { url, cookie } = await authorize(server, AUTHORIZE, bearer(token));
  const redirect = await signInAtProvider(url, { email: person.email, password: person.password });
  return {
    redirect,
    cookie,
    response: await callback(server, redirect, cookie, bearer(token), CALLBACK),
  };
}

describe("linking a provider account to the signed-in user", () => {
  it("needs a signed-in user", () =>
    withServer(async (server) => {
      expect((await server.fetch(AUTHORIZE)).status).toBe(401);
      expect((await server.fetch(`${CALLBACK}?code=x&state=y`)).status).toBe(401);
    }));

  it("links it (answering the user), lists it, and the provider then signs in to that user", () =>
    withServer(async (server) => {
      const { user, token } = await server.user("dave@example.com");
      const { response } = await link(server, token, ALICE);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: user.id, email: "dave@example.com" });
      const linked = await server.fetch("/users/me/oauth-accounts", { headers: bearer(token) });
      expect(await linked.json()).toEqual([
        { oauth_name: "oidc", account_id: ALICE.sub, account_email: ALICE.email },
      ]);
      // Alice's provider account now signs in as dave, whose email differs.
      const viaProvider = await signInToken(server, ALICE);
      const me = (await (await server.me(bearer(viaProvider))).json()) as { id: string };
      expect(me.id).toBe(user.id);
      // Dave has a password: unlinking is allowed.
      const unlink = await server.fetch("/users/me/oauth-accounts/oidc", {
        method: "DELETE",
        headers: bearer(token),
      });
      expect(unlink.status).toBe(204);
    }));

  it("events: a sign-in that creates its user, a link, an unlink, each with the user; the login with its amr", () =>
    withServer(async (server) => {
      const seen: { name: string; event: Record<string, unknown> }[] = [];
      for (const name of ["oauth.linked", "oauth.unlinked", "login"] as const) {
        server.setup.events.on(name, (event) => {
          seen.push({ name, event: { ...event } });
        });
      }
      const token = await signInToken(server, CAROL);
      const carol = (await (await server.me(bearer(token))).json()) as { id: string };
      const dave = await server.user("dave@example.com");
      expect((await link(server, dave.token, ALICE)).response.status).toBe(200);
      const unlink = await server.fetch("/users/me/oauth-accounts/oidc", {
        method: "DELETE",
        headers: bearer(dave.token),
      });
      expect(unlink.status).toBe(204);
      const summary = seen.map(({ name, event }) => ({
        name,
        userId: event.userId,
        provider: event.provider,
        flow: event.flow,
        created: event.created,
        amr: event.amr,
      }));
      expect(summary).toEqual(
        [
          {
            name: "oauth.linked",
            userId: carol.id,
            provider: "oidc",
            flow: "sign_in",
            created: true,
          },
          { name: "login", userId: carol.id, amr: ["oauth:oidc"] },
          { name: "login", userId: dave.user.id, amr: ["password"] },
          {
            name: "oauth.linked",
            userId: dave.user.id,
            provider: "oidc",
            flow: "associate",
            created: false,
          },
          { name: "oauth.unlinked", userId: dave.user.id, provider: "oidc" },
        ].map((entry) => ({
          provider: undefined,
          flow: undefined,
          created: undefined,
          amr: undefined,
          ...entry,
        })),
      );
      // No event carries a token or a secret.
      expect(JSON.stringify(seen)).not.toMatch(/tess_|access_token|code_verifier/);
    }));

  it("an account linked to another user is refused: OAUTH_ACCOUNT_ALREADY_LINKED", () =>
    withServer(async (server) => {
      const dave = await server.user("dave@example.com");
      expect((await link(server, dave.token, CAROL)).response.status).toBe(200);
      const erin = await server.user("erin@example.com");
      const { response } = await link(server, erin.token, CAROL);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ detail: "OAUTH_ACCOUNT_ALREADY_LINKED" });
      const rows = await server.rows("oauth_account");
      expect(rows.map((row) => row.user_id ?? row.userId)).toEqual([dave.user.id]);
    }));

  it("the state is bound to the user who started it: another user's callback is refused", () =>
    withServer(async (server) => {
      const dave = await server.user("dave@example.com");
      const erin = await server.user("erin@example.com");
      const { url, cookie } = await authorize(server, AUTHORIZE, bearer(dave.token));
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      const response = await callback(server, redirect, cookie, bearer(erin.token), CALLBACK);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ detail: "OAUTH_INVALID_STATE" });
      expect(await server.rows("oauth_account")).toEqual([]);
    }));

  it("a sign-in state does not serve the associate callback, nor the reverse", () =>
    withServer(async (server) => {
      const dave = await server.user("dave@example.com");
      const signInStart = await authorize(server);
      const redirect = await signInAtProvider(signInStart.url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      const response = await callback(
        server,
        redirect,
        signInStart.cookie,
        bearer(dave.token),
        CALLBACK,
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ detail: "OAUTH_INVALID_STATE" });
    }));
});
