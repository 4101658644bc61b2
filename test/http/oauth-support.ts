import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
} from "jose";
import { expect } from "vitest";
import { type Idp, type IdpUser, startIdp, testUsers } from "../../demo/idp.js";
import { signInAtProvider } from "../support/idp-login.js";
import type { TestServer } from "./harness.js";

/** The client the test servers are registered as, and the redirect URIs the setup derives. */
export const CLIENT = {
  clientId: "tessera-test",
  clientSecret: "tessera-test-secret-0123456789abcdef",
  redirectUris: [
    "http://127.0.0.1:8000/auth/oidc/callback",
    "http://127.0.0.1:8000/auth/associate/oidc/callback",
    "http://127.0.0.1:8000/auth/cookie/oidc/callback",
  ],
};

/** A provider user without an email claim. */
export const NO_EMAIL: IdpUser = {
  sub: "dan-0e44",
  name: "Dan",
  password: "dan-password",
  username: "dan",
};

export const ALICE = testUsers[0] as IdpUser & { email: string };
export const BOB = testUsers[1] as IdpUser & { email: string };
export const CAROL = testUsers[2] as IdpUser & { email: string };

export function startTestIdp(): Promise<Idp> {
  return startIdp({ clients: [CLIENT], users: [...testUsers, NO_EMAIL] });
}

/** The setup's OIDC options for this provider. */
export function oidcOptions(
  idp: { issuer: string },
  more: { associateByEmail?: boolean; timeoutSeconds?: number } = {},
) {
  return {
    issuer: idp.issuer,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    ...more,
  };
}

/** `GET …/authorize`: the provider's URL and this browser's state cookie (`name=value`). */
export async function authorize(
  server: TestServer,
  path = "/auth/oidc/authorize",
  headers: Record<string, string> = {},
): Promise<{ url: string; cookie: string; setCookie: string }> {
  const response = await server.fetch(path, { headers });
  expect(response.status).toBe(200);
  const { authorization_url } = (await response.json()) as { authorization_url: string };
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { url: authorization_url, cookie: setCookie.split(";")[0] as string, setCookie };
}

/** The callback route with the query the provider sent the browser back with. */
export function callback(
  server: TestServer,
  redirect: URL | string,
  cookie: string | null,
  headers: Record<string, string> = {},
  path = "/auth/oidc/callback",
): Promise<Response> {
  const search = typeof redirect === "string" ? redirect : redirect.search;
  return server.fetch(`${path}${search}`, {
    headers: { ...(cookie === null ? {} : { cookie }), ...headers },
  });
}

/** The whole sign-in as `user`: authorize, the provider's login, the callback's answer. */
export async function signIn(server: TestServer, user: IdpUser): Promise<Response> {
  const { url, cookie } = await authorize(server);
  const redirect = await signInAtProvider(url, {
    email: user.username ?? (user.email as string),
    password: user.password,
  });
  return callback(server, redirect, cookie);
}

/** A sign-in that must succeed: the bearer token. */
export async function signInToken(server: TestServer, user: IdpUser): Promise<string> {
  const response = await signIn(server, user);
  expect(response.status).toBe(200);
  const { access_token } = (await response.json()) as { access_token: string };
  return access_token;
}

/**
 * An ID token as the provider signed it, with some claims changed and
 * re-signed with `key` (the provider's own, or another with the same `kid`).
 */
export async function resigned(
  token: string,
  change: Record<string, unknown>,
  key: Parameters<typeof importJWK>[0],
): Promise<string> {
  const header = decodeProtectedHeader(token);
  const claims = { ...decodeJwt(token), ...change };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: header.kid as string })
    .sign(await importJWK(key, "RS256"));
}

/** A private key the provider never published, under its key's `kid`. */
export async function strangerKey(kid: string) {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "RS256" };
}

/** A server that accepts connections and never answers: a provider that hangs. */
export async function hangingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An unused issuer URL on this machine: nothing listens there. */
export async function closedIssuer(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/${randomUUID()}`;
}
