import { describe, expect, it } from "vitest";
import { githubEmail } from "../../src/oauth/github-provider.js";
import { openIdConnectProvider } from "../../src/oauth/openid-connect-provider.js";
import { TokenCipher, TokenDecryptionFailed } from "../../src/oauth/token-cipher.js";

const KEY = "token-key-token-key-token-key-token-key-0";

describe("provider tokens at rest", () => {
  it("encrypt then decrypt gives the token back; each encryption differs", () => {
    const cipher = new TokenCipher(KEY);
    const token = `ya29.${"x".repeat(2000)}`;
    const a = cipher.encrypt(token);
    const b = cipher.encrypt(token);
    expect(a).toMatch(/^tessera-enc:v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("ya29");
    expect(cipher.decrypt(a)).toBe(token);
  });

  it("a clear value (a FastAPI Users row) reads as is", () => {
    expect(new TokenCipher(KEY).decrypt("gho_16C7e42F292c6912E7710c838347Ae178B4a")).toBe(
      "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    );
  });

  it("another key or an altered value does not decrypt", () => {
    const stored = new TokenCipher(KEY).encrypt("secret-token");
    expect(() => new TokenCipher(`${KEY}-other`).decrypt(stored)).toThrow(TokenDecryptionFailed);
    const altered = `${stored.slice(0, -2)}${stored.endsWith("A") ? "B" : "A"}A`;
    expect(() => new TokenCipher(KEY).decrypt(altered)).toThrow(TokenDecryptionFailed);
    expect(() => new TokenCipher(KEY).decrypt("tessera-enc:v1:AAAA")).toThrow(
      TokenDecryptionFailed,
    );
  });

  it("a short key fails at construction", () => {
    expect(() => new TokenCipher("short")).toThrow(/tokenEncryptionKey must be at least 32 bytes/);
  });
});

describe("GitHub's email", () => {
  it("is the primary address, verified only when GitHub says so", () => {
    expect(
      githubEmail([
        { email: "old@example.com", primary: false, verified: true },
        { email: "me@example.com", primary: true, verified: true },
      ]),
    ).toEqual({ email: "me@example.com", primary: true, verified: true });
    expect(
      githubEmail([{ email: "me@example.com", primary: true, verified: false }])?.verified,
    ).toBe(false);
    expect(githubEmail([{ email: "x@example.com", primary: false, verified: true }])).toBeNull();
    expect(githubEmail([])).toBeNull();
  });
});

describe("an OpenID provider's configuration fails at construction, with the fix", () => {
  const valid = { issuer: "https://accounts.google.com", clientId: "id", clientSecret: "secret" };
  it.each([
    [{ ...valid, issuer: "http://accounts.example.com" }, /issuer must be an https: URL/],
    [{ ...valid, issuer: "not a url" }, /is not a URL/],
    [{ ...valid, clientId: "" }, /clientId is missing/],
    [{ ...valid, clientSecret: "" }, /clientSecret is missing/],
    [{ ...valid, name: "Google!" }, /must be 1–50 lower-case letters/],
  ])("%o", (options, message) => {
    expect(() => openIdConnectProvider(options)).toThrow(message);
  });

  it("an http: issuer on a loopback address is allowed (a local provider)", () => {
    expect(() =>
      openIdConnectProvider({ ...valid, issuer: "http://127.0.0.1:9400" }),
    ).not.toThrow();
  });
});

describe("what a provider's error means", () => {
  it("an OAuth error in a 200 token answer (GitHub's bad_verification_code) is a refused code", async () => {
    const { ClientError } = await import("openid-client");
    const { classifyProviderError } = await import("../../src/oauth/classify-provider-error.js");
    const inner = new Error('"response" body "access_token" property must be a string', {
      cause: { body: { error: "bad_verification_code" } },
    });
    const error = Object.assign(new ClientError("invalid response encountered", { cause: inner }), {
      code: "OAUTH_INVALID_RESPONSE",
    });
    expect(classifyProviderError(error, "github")).toMatchObject({
      name: "ProviderRefused",
      reason: "invalid_code",
    });
    const wrongSecret = Object.assign(
      new ClientError("invalid response encountered", {
        cause: new Error("x", { cause: { body: { error: "incorrect_client_credentials" } } }),
      }),
      { code: "OAUTH_INVALID_RESPONSE" },
    );
    expect(classifyProviderError(wrongSecret, "github")).toMatchObject({
      name: "ProviderUnavailable",
      misconfiguration: expect.stringContaining("check the client id and secret"),
    });
    const timeout = Object.assign(
      new ClientError("operation timed out", { cause: new DOMException("x", "TimeoutError") }),
      { code: "OAUTH_TIMEOUT" },
    );
    expect(classifyProviderError(timeout, "github")).toMatchObject({ name: "ProviderUnavailable" });
    const bug = new RangeError("a bug");
    expect(classifyProviderError(bug, "github")).toBe(bug);
  });
});
