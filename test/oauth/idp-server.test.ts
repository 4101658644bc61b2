// `npm run idp` (demo/idp-server.ts) in a child process, as a developer runs it.
import { once } from "node:events";
import { createServer } from "node:net";
import * as client from "openid-client";
import { afterEach, expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";
import { signInAtProvider } from "../support/idp-login.js";

const SCRIPT = "demo/idp-server.ts";
let idp: DemoProcess | undefined;

afterEach(async () => {
  await idp?.stop();
  idp = undefined;
});

it("prints how to start the demo against it, signs in on both callbacks, stops on SIGTERM", async () => {
  idp = await DemoProcess.start("", {
    script: SCRIPT,
    env: { IDP_PORT: "0", TESSERA_BASE_URL: "http://127.0.0.1:8123/", TESSERA_OIDC_NAME: "local" },
  });
  const issuer = idp.url;
  expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(idp.output).toContain(
    `  TESSERA_OIDC_ISSUER=${issuer} TESSERA_OIDC_NAME=local TESSERA_OIDC_CLIENT_ID=tessera-demo TESSERA_OIDC_CLIENT_SECRET=tessera-demo-dev-secret npm start\n`,
  );
  expect(idp.output).toContain("the fixed development secret");
  expect(idp.output).toMatch(/^ {2}alice@example\.com +alice-password +email verified$/m);
  expect(idp.output).toMatch(/^ {2}bob@example\.com +bob-password +email NOT verified$/m);

  const config = await client.discovery(
    new URL(issuer),
    "tessera-demo",
    undefined,
    client.ClientSecretBasic("tessera-demo-dev-secret"),
    { execute: [client.allowInsecureRequests] },
  );
  for (const path of ["/auth/local/callback", "/auth/associate/local/callback"]) {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `http://127.0.0.1:8123${path}`,
      scope: "openid email",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: "state",
    });
    const callback = await signInAtProvider(url.href, {
      email: "carol@example.com",
      password: "carol-password",
    });
    expect(callback.pathname).toBe(path);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: "state",
    });
    expect(tokens.claims()?.email).toBe("carol@example.com");
  }

  expect(await idp.kill("SIGTERM")).toEqual({ code: 0, signal: null });
});

it("says in one line that its port is taken", async () => {
  const taken = createServer().listen(0, "127.0.0.1");
  await once(taken, "listening");
  const { port } = taken.address() as { port: number };
  try {
    const { code, stderr } = await DemoProcess.failToStart(
      { IDP_PORT: String(port) },
      { script: SCRIPT },
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `idp: IDP_PORT: ${port} is in use on 127.0.0.1 (EADDRINUSE); stop the other server or set IDP_PORT to a free port\n`,
    );
  } finally {
    taken.close();
  }
});
