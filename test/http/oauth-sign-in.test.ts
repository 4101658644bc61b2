import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Idp } from "../../demo/idp.js";
import { cancelAtProvider, signInAtProvider } from "../support/idp-login.js";
import { bearer, PASSWORD, STRATEGY, TestServer, TOKEN, UUID } from "./harness.js";
import {
  ALICE,
  authorize,
  BOB,
  CAROL,
  callback,
  closedIssuer,
  hangingServer,
  NO_EMAIL,
  oidcOptions,
  resigned,
  signIn,
  signInToken,
  startTestIdp,
  strangerKey,
} from "./oauth-support.js";

let idp: Idp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp?.close();
});

/** A test server signing in through the local provider; closed after `body`. */
async function withServer(
  body: (server: TestServer) => Promise<void>,
  more: Parameters<typeof oidcOptions>[1] = {},
): Promise<void> {
  const server = await TestServer.start({ oidc: oidcOptions(idp, more) });
  try {
    await body(server);
  } finally {
    idp.tamperIdToken = null;
    await server.close();
  }
}

const detailOf = async (response: Response) =>
  ((await response.json()) as { detail: unknown }).detail;

describe("sign in with an OpenID provider", () => {
  it("authorize answers the provider's URL with PKCE (S256), a nonce and a state, and sets a short-lived HttpOnly cookie", () =>
    withServer(async (server) => {
      const { url, setCookie } = await authorize(server);
      const params = new URL(url).searchParams;
      expect(url.startsWith(`${idp.issuer}/`)).toBe(true);
      expect(params.get("code_challenge_method")).toBe("S256");
      expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.get("nonce")).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(params.get("state")).toEqual(expect.any(String));
      expect(params.get("redirect_uri")).toBe("http://127.0.0.1:8000/auth/oidc/callback");
      expect(params.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));
      expect(setCookie).toMatch(
        /^tessera_oauth_oidc=[A-Za-z0-9_-]{43}; HttpOnly; Max-Age=600; Path=\/; SameSite=Lax$/,
      );
      // The verifier is never in the URL.
      expect(url).not.toContain("code_verifier");
    }));

  it("a first sign-in creates a verified user without a password; the next finds the same user; /users/me answers it", () =>
    withServer(async (server) => {
      const token = await signInToken(server, ALICE);
      expect(token).toMatch(TOKEN);
      const me = await server.me(bearer(token));
      expect(me.status).toBe(200);
      const user = (await me.json()) as { id: string; email: string; is_verified: boolean };
      expect(user).toMatchObject({ email: ALICE.email, is_verified: true, is_active: true });
      expect(user.id).toMatch(UUID);

      const again = await signInToken(server, ALICE);
      expect(again).not.toBe(token);
      expect(((await (await server.me(bearer(again))).json()) as { id: string }).id).toBe(user.id);

      // No password works for it.
      const login = await server.fetch("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: ALICE.email, password: ALICE.password }),
      });
      expect(login.status).toBe(400);

      const linked = await server.fetch("/users/me/oauth-accounts", { headers: bearer(token) });
      expect(await linked.json()).toEqual([
        { oauth_name: "oidc", account_id: ALICE.sub, account_email: ALICE.email },
      ]);
      const rows = await server.rows("oauth_account");
      expect(rows).toHaveLength(1);
      // The provider's tokens are stored encrypted (the setup gives a key).
      expect(String(rows[0]?.access_token)).toMatch(/^tessera-enc:v1:/);
    }));

  it("the session records that it was made by the provider (a JWT keeps no sessions list)", () =>
    withServer(async (server) => {
      const token = await signInToken(server, ALICE);
      const sessions = await server.fetch("/users/me/sessions", { headers: bearer(token) });
      if (STRATEGY === "jwt") {
        expect(sessions.status).toBe(404);
        return;
      }
      expect(sessions.status).toBe(200);
      const [session] = (await sessions.json()) as { amr: string[] }[];
      expect(session?.amr).toEqual(["oauth:oidc"]);
    }));

  it("a provider that gives no email: OAUTH_NOT_AVAILABLE_EMAIL, no user", () =>
    withServer(async (server) => {
      const response = await signIn(server, NO_EMAIL);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toBe("OAUTH_NOT_AVAILABLE_EMAIL");
      expect(await server.rows("user")).toEqual([]);
    }));

  it("an existing account with the provider's email is refused without associateByEmail", () =>
    withServer(async (server) => {
      await server.register(ALICE.email);
      const response = await signIn(server, ALICE);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toBe("OAUTH_USER_ALREADY_EXISTS");
      expect(await server.rows("oauth_account")).toEqual([]);
    }));

  it("associateByEmail links an account whose email both sides verified, and refuses an unverified one", () =>
    withServer(
      async (server) => {
        const carol = await server.register(CAROL.email);
        await server.setUser(carol.id, { isVerified: true });
        const token = await signInToken(server, CAROL);
        const me = (await (await server.me(bearer(token))).json()) as { id: string };
        expect(me.id).toBe(carol.id);

        // The provider does not vouch for Bob's email.
        const bob = await server.register(BOB.email);
        await server.setUser(bob.id, { isVerified: true });
        const refused = await signIn(server, BOB);
        expect(refused.status).toBe(400);
        expect(await detailOf(refused)).toBe("OAUTH_USER_ALREADY_EXISTS");
        const rows = await server.rows("oauth_account");
        expect(rows.map((row) => row.account_id)).toEqual([CAROL.sub]);
      },
      { associateByEmail: true },
    ));

  it("pre-hijack: associateByEmail never merges the provider's user into an account registered ahead of them and never verified", () =>
    withServer(
      async (server) => {
        // The attacker registers Carol's address with his own password, and links his own provider account.
        await server.register(CAROL.email);
        const attacker = await server.login(CAROL.email);
        const { url, cookie } = await authorize(
          server,
          "/auth/associate/oidc/authorize",
          bearer(attacker),
        );
        const redirect = await signInAtProvider(url, {
          email: ALICE.email,
          password: ALICE.password,
        });
        const linked = await callback(
          server,
          redirect,
          cookie,
          bearer(attacker),
          "/auth/associate/oidc/callback",
        );
        expect(linked.status).toBe(200);
        // Carol, verified at the provider, signs in: refused, not merged into his account.
        const victim = await signIn(server, CAROL);
        expect(victim.status).toBe(400);
        expect(await detailOf(victim)).toBe("OAUTH_USER_ALREADY_EXISTS");
        const rows = await server.rows("oauth_account");
        expect(rows.map((row) => row.account_id)).toEqual([ALICE.sub]);
      },
      { associateByEmail: true },
    ));

  it("an email the provider did not verify makes no user: OAUTH_EMAIL_NOT_VERIFIED (its mailbox's owner could take the account by a reset, the stranger still linked)", () =>
    withServer(async (server) => {
      const response = await signIn(server, BOB);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toBe("OAUTH_EMAIL_NOT_VERIFIED");
      expect(await server.rows("user")).toEqual([]);
      expect(await server.rows("oauth_account")).toEqual([]);
    }));

  it("an inactive user: LOGIN_BAD_CREDENTIALS, no session", () =>
    withServer(async (server) => {
      const token = await signInToken(server, ALICE);
      const { id } = (await (await server.me(bearer(token))).json()) as { id: string };
      await server.setUser(id, { isActive: false });
      const response = await signIn(server, ALICE);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toBe("LOGIN_BAD_CREDENTIALS");
    }));

  it("the provider's own trouble (server_error, temporarily_unavailable) answers 503; an unknown error is not echoed", () =>
    withServer(async (server) => {
      for (const [error, status, detail] of [
        ["temporarily_unavailable", 503, "OAUTH_PROVIDER_UNAVAILABLE"],
        ["server_error", 503, "OAUTH_PROVIDER_UNAVAILABLE"],
        ["<script>x</script>", 400, { code: "OAUTH_PROVIDER_ERROR", reason: "unknown_error" }],
      ] as const) {
        const { url, cookie } = await authorize(server);
        const state = new URL(url).searchParams.get("state") as string;
        const response = await callback(
          server,
          `?${new URLSearchParams({ error, state })}`,
          cookie,
        );
        expect(response.status, error).toBe(status);
        expect(await detailOf(response)).toEqual(detail);
      }
    }));

  it("an error link without this browser's state neither answers the provider's error nor ends the sign-in in progress", () =>
    withServer(async (server) => {
      const { url, cookie } = await authorize(server);
      const stranger = await callback(server, "?error=access_denied&state=forged", cookie);
      expect(stranger.status).toBe(400);
      expect(await detailOf(stranger)).toBe("OAUTH_INVALID_STATE");
      expect(stranger.headers.getSetCookie()).toEqual([]);
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      expect((await callback(server, redirect, cookie)).status).toBe(200);
    }));

  it("the person cancels at the provider: OAUTH_PROVIDER_ERROR access_denied", () =>
    withServer(async (server) => {
      const { url, cookie } = await authorize(server);
      const redirect = await cancelAtProvider(url);
      const response = await callback(server, redirect, cookie);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toEqual({
        code: "OAUTH_PROVIDER_ERROR",
        reason: "access_denied",
      });
    }));
});

describe("behind https", () => {
  it("the state cookie is Secure and named __Host- (a sibling subdomain cannot plant one)", async () => {
    const server = await TestServer.start({
      oidc: oidcOptions(idp),
      baseUrl: "https://app.example.com",
    });
    try {
      const { url, setCookie } = await authorize(server);
      expect(new URL(url).searchParams.get("redirect_uri")).toBe(
        "https://app.example.com/auth/oidc/callback",
      );
      expect(setCookie).toMatch(
        /^__Host-tessera_oauth_oidc=[A-Za-z0-9_-]{43}; HttpOnly; Max-Age=600; Path=\/; SameSite=Lax; Secure$/,
      );
    } finally {
      await server.close();
    }
  });
});

describe("on the cookie backend", () => {
  it("the callback answers as the cookie login does: 204, the session cookie set, the state cookie cleared", () =>
    withServer(async (server) => {
      const { url, cookie } = await authorize(server, "/auth/cookie/oidc/authorize");
      expect(new URL(url).searchParams.get("redirect_uri")).toBe(
        "http://127.0.0.1:8000/auth/cookie/oidc/callback",
      );
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      const response = await callback(server, redirect, cookie, {}, "/auth/cookie/oidc/callback");
      expect(response.status).toBe(204);
      const cookies = response.headers.getSetCookie();
      const session = cookies.find((line) => line.startsWith("fastapiusersauth="));
      expect(session).toMatch(
        /^fastapiusersauth=[^;]+; HttpOnly; Max-Age=3600; Path=\/; SameSite=lax/,
      );
      expect(cookies).toContainEqual(
        expect.stringMatching(/^tessera_oauth_oidc=; HttpOnly; Max-Age=0;/),
      );
      const me = await server.me({ cookie: (session as string).split(";")[0] as string });
      expect(await me.json()).toMatchObject({ email: ALICE.email });
    }));
});

describe("the state: single-use, short-lived, this browser's", () => {
  it("missing or forged: OAUTH_INVALID_STATE", () =>
    withServer(async (server) => {
      const { url, cookie } = await authorize(server);
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      const code = redirect.searchParams.get("code") as string;
      for (const search of [
        `?code=${code}`,
        `?code=${code}&state=`,
        `?code=${code}&state=forged`,
        `?code=${code}&state=${"e".repeat(3000)}`,
        // A state of the right shape signed under another secret.
        `?code=${code}&state=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiItIiwianRpIjoieCJ9.c2lnbmF0dXJl`,
      ]) {
        const response = await callback(server, search, cookie);
        expect(response.status, search.slice(0, 60)).toBe(400);
        expect(await detailOf(response)).toBe("OAUTH_INVALID_STATE");
      }
      expect(await server.rows("user")).toEqual([]);
    }));

  it("replayed: the second callback with the same state is refused", () =>
    withServer(async (server) => {
      const { url, cookie } = await authorize(server);
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      expect((await callback(server, redirect, cookie)).status).toBe(200);
      const replay = await callback(server, redirect, cookie);
      expect(replay.status).toBe(400);
      expect(await detailOf(replay)).toBe("OAUTH_INVALID_STATE");
    }));

  it("expired: ten minutes after authorize it is refused", () =>
    withServer(async (server) => {
      const { url, cookie } = await authorize(server);
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      server.clock.advance(601_000);
      const response = await callback(server, redirect, cookie);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toBe("OAUTH_INVALID_STATE");
    }));

  it("from another browser (no cookie, or another sign-in's cookie): refused — login CSRF", () =>
    withServer(async (server) => {
      const attacker = await authorize(server);
      const redirect = await signInAtProvider(attacker.url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      const victim = await authorize(server);
      for (const cookie of [null, victim.cookie, "tessera_oauth_oidc=x"]) {
        const response = await callback(server, redirect, cookie);
        expect(response.status).toBe(400);
        expect(await detailOf(response)).toBe("OAUTH_INVALID_STATE");
      }
    }));

  it("a code used before is refused by the provider: OAUTH_INVALID_CODE", () =>
    withServer(async (server) => {
      const first = await authorize(server);
      const used = await signInAtProvider(first.url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      expect((await callback(server, used, first.cookie)).status).toBe(200);
      // A fresh state and cookie, with the used code.
      const second = await authorize(server);
      const state = new URL(second.url).searchParams.get("state") as string;
      const code = used.searchParams.get("code") as string;
      const query = new URLSearchParams({ code, state, iss: idp.issuer });
      const response = await callback(server, `?${query}`, second.cookie);
      expect(response.status).toBe(400);
      expect(await detailOf(response)).toBe("OAUTH_INVALID_CODE");
    }));
});

describe("the ID token is validated", () => {
  const cases: [string, (token: string) => Promise<string>][] = [
    ["a wrong nonce", (token) => resigned(token, { nonce: "another" }, idp.signingKey)],
    ["a wrong audience", (token) => resigned(token, { aud: "someone-else" }, idp.signingKey)],
    ["a wrong issuer", (token) => resigned(token, { iss: "http://127.0.0.1:1" }, idp.signingKey)],
    ["an expired token", (token) => resigned(token, { exp: 1_000_000 }, idp.signingKey)],
    [
      "a signature by another key",
      async (token) => resigned(token, {}, await strangerKey(idp.signingKey.kid)),
    ],
  ];
  for (const [name, tamper] of cases) {
    it(`${name}: OAUTH_INVALID_ID_TOKEN, no user`, () =>
      withServer(async (server) => {
        idp.tamperIdToken = tamper;
        const response = await signIn(server, ALICE);
        expect(response.status).toBe(400);
        expect(await detailOf(response)).toBe("OAUTH_INVALID_ID_TOKEN");
        expect(await server.rows("user")).toEqual([]);
      }));
  }

  it("re-signed by the provider's own key with its claims unchanged, it passes (the checks above are the claims')", () =>
    withServer(async (server) => {
      idp.tamperIdToken = (token) => resigned(token, {}, idp.signingKey);
      expect((await signIn(server, ALICE)).status).toBe(200);
    }));
});

describe("a provider that is down answers 503, never 500 or a hang", () => {
  it("unreachable at authorize: 503 OAUTH_PROVIDER_UNAVAILABLE", async () => {
    const issuer = await closedIssuer();
    const server = await TestServer.start({ oidc: { ...oidcOptions(idp), issuer } });
    try {
      const response = await server.fetch("/auth/oidc/authorize");
      expect(response.status).toBe(503);
      expect(await detailOf(response)).toBe("OAUTH_PROVIDER_UNAVAILABLE");
      expect(response.headers.get("retry-after")).toBe("5");
    } finally {
      await server.close();
    }
  });

  it("an issuer that is not one (its discovery answers 404): 503 at authorize, logged with the fix", async () => {
    const notAnIssuer = createServer((_request, response) => {
      response.statusCode = 404;
      response.end("not found");
    });
    await new Promise<void>((resolve) => notAnIssuer.listen(0, "127.0.0.1", resolve));
    const { port } = notAnIssuer.address() as AddressInfo;
    const server = await TestServer.start({
      oidc: { ...oidcOptions(idp), issuer: `http://127.0.0.1:${port}` },
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const response = await server.fetch("/auth/oidc/authorize");
      expect(response.status).toBe(503);
      expect(await detailOf(response)).toBe("OAUTH_PROVIDER_UNAVAILABLE");
      expect(logged.mock.calls.map((call) => String(call[0]))).toContain(
        'tessera: OAuth provider "oidc": its discovery failed: check the issuer URL',
      );
    } finally {
      logged.mockRestore();
      await server.close();
      notAnIssuer.close();
    }
  });

  it("a wrong client secret: 503 (the app, not the person, is refused), logged without the secret", async () => {
    const secret = "wrong-secret-0123456789abcdefghij";
    const server = await TestServer.start({ oidc: { ...oidcOptions(idp), clientSecret: secret } });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const response = await signIn(server, ALICE);
      expect(response.status).toBe(503);
      expect(await detailOf(response)).toBe("OAUTH_PROVIDER_UNAVAILABLE");
      const lines = logged.mock.calls.map((call) => String(call[0]));
      expect(
        lines.some((line) =>
          /^tessera: OAuth provider "oidc": .*check the client id and secret/.test(line),
        ),
      ).toBe(true);
      expect(lines.join("\n")).not.toContain(secret);
      expect(await server.rows("user")).toEqual([]);
    } finally {
      logged.mockRestore();
      await server.close();
    }
  });

  it("hanging at authorize: 503 after the timeout", async () => {
    const hanging = await hangingServer();
    const server = await TestServer.start({
      oidc: { ...oidcOptions(idp), issuer: hanging.url, timeoutSeconds: 1 },
    });
    try {
      const started = Date.now();
      const response = await server.fetch("/auth/oidc/authorize");
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
      await hanging.close();
    }
  });

  it("gone between authorize and callback: 503; the sign-in works again once it is back", async () => {
    const own = await startTestIdp();
    const server = await TestServer.start({ oidc: oidcOptions(own) });
    try {
      const { url, cookie } = await authorize(server);
      const redirect = await signInAtProvider(url, {
        email: ALICE.email,
        password: ALICE.password,
      });
      await own.close();
      const response = await callback(server, redirect, cookie);
      expect(response.status).toBe(503);
      expect(await detailOf(response)).toBe("OAUTH_PROVIDER_UNAVAILABLE");
    } finally {
      await server.close();
    }
  });
});

describe("unlinking", () => {
  it("a provider-made user cannot unlink their only way to sign in; after setting a password they can", () =>
    withServer(async (server) => {
      const token = await signInToken(server, ALICE);
      const refused = await server.fetch("/users/me/oauth-accounts/oidc", {
        method: "DELETE",
        headers: bearer(token),
      });
      expect(refused.status).toBe(400);
      expect(await detailOf(refused)).toBe("OAUTH_LAST_SIGN_IN_METHOD");

      // Forgot password works for them.
      const reset = await server.resetToken(ALICE.email);
      const done = await server.fetch("/auth/reset-password", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: reset, password: PASSWORD }),
      });
      expect(done.status).toBe(200);
      const fresh = await server.login(ALICE.email);
      const unlinked = await server.fetch("/users/me/oauth-accounts/oidc", {
        method: "DELETE",
        headers: bearer(fresh),
      });
      expect(unlinked.status).toBe(204);
      expect(await server.rows("oauth_account")).toEqual([]);
      const again = await server.fetch("/users/me/oauth-accounts/oidc", {
        method: "DELETE",
        headers: bearer(fresh),
      });
      expect(again.status).toBe(404);
    }));
});
