// The demo's OpenID provider (demo/idp.ts), driven as an app would drive it: openid-client builds
// the authorization request and exchanges the code, test/support/idp-login.ts plays the browser.
import { decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import * as client from "openid-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Idp, startIdp, testUsers } from "../../demo/idp.js";
import { cancelAtProvider, signInAtProvider } from "../support/idp-login.js";

const REDIRECT_URI = "http://127.0.0.1:8000/auth/oidc/callback";
const CLIENT = {
  clientId: "tessera-test",
  clientSecret: "tessera-test-secret",
  redirectUris: [REDIRECT_URI],
};
const ODD_NAME_CLIENT = {
  clientId: "odd",
  clientSecret: "odd-secret",
  redirectUris: [REDIRECT_URI],
  name: `<script>alert("x")</script> & co`,
};
const ALICE = { email: "alice@example.com", password: "alice-password" };
const DAVE = { sub: "dave-5b0c7e19", username: "dave", name: "Dave No-Email", password: "dave-pw" };

let idp: Idp;
let config: client.Configuration;

beforeAll(async () => {
  idp = await startIdp({ clients: [CLIENT, ODD_NAME_CLIENT], users: [...testUsers, DAVE] });
  config = await discover(client.ClientSecretBasic(CLIENT.clientSecret));
});
afterAll(() => idp?.close());
afterEach(() => {
  idp.tamperIdToken = null;
});

function discover(auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(idp.issuer), CLIENT.clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
  });
}

/** One authorization request, as an app starts it: its URL and what the callback checks. */
async function authorization() {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const checks = { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce };
  return { url: url.href, state, nonce, checks };
}

/** The provider's ID token with some claims changed, signed again (by its own key by default). */
async function resigned(idToken: string, changes: object, key: JWK = idp.signingKey) {
  return new SignJWT({ ...decodeJwt(idToken), ...changes })
    .setProtectedHeader({ alg: "RS256", kid: key.kid ?? "other" })
    .sign(await importJWK(key, "RS256"));
}

/** Why `exchange` was refused: the messages down the cause chain (openid-client's is generic). */
async function refusal(exchange: Promise<unknown>): Promise<string> {
  const error = await exchange.then(
    () => {
      throw new Error("the exchange was accepted");
    },
    (reason: unknown) => reason,
  );
  const messages: string[] = [];
  for (let cause = error; cause instanceof Error; cause = cause.cause) messages.push(cause.message);
  return messages.join(": ");
}

describe("the demo OpenID provider", () => {
  it("signs alice in: the code exchanges for an ID token with her sub, email and the nonce", async () => {
    const request = await authorization();
    const callback = await signInAtProvider(request.url, ALICE);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe(request.state);

    const tokens = await client.authorizationCodeGrant(config, callback, request.checks);
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: CLIENT.clientId,
      sub: "alice-7f3a9c2e",
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Example",
      nonce: request.nonce,
    });
    expect(decodeJwt(tokens.id_token ?? "")).toMatchObject({ sub: "alice-7f3a9c2e" });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, "alice-7f3a9c2e");
    expect(userinfo).toMatchObject({ email: "alice@example.com", email_verified: true });
  });

  it("says bob's email is not verified", async () => {
    const request = await authorization();
    const callback = await signInAtProvider(request.url, {
      email: "bob@example.com",
      password: "bob-password",
    });
    const tokens = await client.authorizationCodeGrant(config, callback, request.checks);
    expect(tokens.claims()).toMatchObject({ sub: "bob-2d81b6f4", email_verified: false });
  });

  it("signs in a user of the users option with no email: no email claim", async () => {
    const request = await authorization();
    const callback = await signInAtProvider(request.url, { email: "dave", password: "dave-pw" });
    const claims = (await client.authorizationCodeGrant(config, callback, request.checks)).claims();
    expect(claims?.sub).toBe(DAVE.sub);
    expect(claims).not.toHaveProperty("email");
    expect(claims).not.toHaveProperty("email_verified");
  });

  it("shows the form again on a wrong password, and gives no code", async () => {
    const request = await authorization();
    const wrong = { ...ALICE, password: "not-her-password" };
    await expect(signInAtProvider(request.url, wrong)).rejects.toThrow(
      /did not sign in alice@example.com: it answered 401 "Wrong email or password"/,
    );
    const unknown = { email: "mallory@example.com", password: "alice-password" };
    await expect(signInAtProvider(request.url, unknown)).rejects.toThrow(/Wrong email or password/);
  });

  it("refuses an authorization request without a PKCE S256 challenge", async () => {
    const base = { redirect_uri: REDIRECT_URI, scope: "openid email", state: "s", nonce: "n" };
    const withoutPkce = client.buildAuthorizationUrl(config, base).href;
    await expect(signInAtProvider(withoutPkce, ALICE)).rejects.toThrow(
      /refused the request: invalid_request \(.*PKCE/,
    );
    const plain = client.buildAuthorizationUrl(config, {
      ...base,
      code_challenge: client.randomPKCECodeVerifier(),
      code_challenge_method: "plain",
    }).href;
    await expect(signInAtProvider(plain, ALICE)).rejects.toThrow(/invalid_request/);
  });

  it("sends the browser back with error=access_denied and the state on Cancel", async () => {
    const request = await authorization();
    const callback = await cancelAtProvider(request.url);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe(request.state);
    expect(callback.searchParams.has("code")).toBe(false);
  });

  it("escapes what its login page shows; an interaction without its cookie has expired", async () => {
    const verifier = client.randomPKCECodeVerifier();
    const authorize = new URL("/auth", idp.issuer);
    authorize.search = new URLSearchParams({
      client_id: ODD_NAME_CLIENT.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "openid",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const started = await fetch(authorize, { redirect: "manual" });
    const interaction = new URL(started.headers.get("location") ?? "", idp.issuer);
    expect(interaction.pathname).toMatch(/^\/interaction\/[\w-]+$/);
    const cookie = started.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");

    const loginPage = await fetch(interaction, { headers: { cookie } });
    expect(loginPage.status).toBe(200);
    const html = await loginPage.text();
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co");
    expect(html).not.toContain("<script>");
    expect(html).toMatch(/<label for="email">Email<\/label>/);
    expect(html).toMatch(/<label for="password">Password<\/label>/);
    expect(html).toContain('<button type="submit">Sign in</button>');

    const withoutCookie = await fetch(interaction);
    expect(withoutCookie.status).toBe(400);
    expect(await withoutCookie.text()).toContain("This sign-in has expired");
  });

  it("refuses a code exchanged a second time", async () => {
    const request = await authorization();
    const callback = await signInAtProvider(request.url, ALICE);
    await client.authorizationCodeGrant(config, callback, request.checks);
    await expect(client.authorizationCodeGrant(config, callback, request.checks)).rejects.toThrow(
      expect.objectContaining({ error: "invalid_grant" }),
    );
  });

  it("takes the client secret in the body too (client_secret_post)", async () => {
    const request = await authorization();
    const callback = await signInAtProvider(request.url, ALICE);
    const postConfig = await discover(client.ClientSecretPost(CLIENT.clientSecret));
    const tokens = await client.authorizationCodeGrant(postConfig, callback, request.checks);
    expect(tokens.claims()?.sub).toBe("alice-7f3a9c2e");
  });
});

describe("the tamper hook", () => {
  it("answers its ID token instead of the provider's: a wrong nonce is refused", async () => {
    idp.tamperIdToken = (idToken) => resigned(idToken, { nonce: "someone-else's" });
    const request = await authorization();
    const callback = await signInAtProvider(request.url, ALICE);
    expect(await refusal(client.authorizationCodeGrant(config, callback, request.checks))).toMatch(
      /unexpected JWT claim value encountered: unexpected ID Token "nonce" claim value/,
    );
  });

  it("passes a wrong audience or issuer through, which openid-client refuses", async () => {
    for (const changes of [{ aud: "another-app" }, { iss: "http://127.0.0.1:1" }]) {
      idp.tamperIdToken = (idToken) => resigned(idToken, changes);
      const request = await authorization();
      const callback = await signInAtProvider(request.url, ALICE);
      expect(
        await refusal(client.authorizationCodeGrant(config, callback, request.checks)),
      ).toMatch(
        /unexpected JWT claim value encountered: unexpected JWT "(aud|iss)" \(audience|issuer\)/,
      );
    }
  });

  // openid-client skips the signature of an ID token from the token endpoint (TLS vouches for
  // it) unless enableNonRepudiationChecks is on: over plain http, an app must turn it on.
  it("sends a token signed with another key, refused once signatures are checked", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const otherKey = { ...(await exportJWK(privateKey)), kid: idp.signingKey.kid };
    idp.tamperIdToken = (idToken) => resigned(idToken, {}, otherKey);

    const unchecked = await authorization();
    const accepted = await client.authorizationCodeGrant(
      config,
      await signInAtProvider(unchecked.url, ALICE),
      unchecked.checks,
    );
    expect(accepted.claims()?.sub).toBe("alice-7f3a9c2e");

    const checking = await discover(client.ClientSecretBasic(CLIENT.clientSecret));
    client.enableNonRepudiationChecks(checking);
    const request = await authorization();
    const callback = await signInAtProvider(request.url, ALICE);
    expect(
      await refusal(client.authorizationCodeGrant(checking, callback, request.checks)),
    ).toMatch(/JWT signature verification failed/);
    idp.tamperIdToken = null;
    const honest = await authorization();
    const tokens = await client.authorizationCodeGrant(
      checking,
      await signInAtProvider(honest.url, ALICE),
      honest.checks,
    );
    expect(tokens.claims()?.sub).toBe("alice-7f3a9c2e");
  });
});
