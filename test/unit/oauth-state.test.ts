import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OAuthStates } from "../../src/oauth/oauth-state.js";

const SECRET = "state-secret-state-secret-state-secret-01";

function states(
  now = new Date("2026-01-31T12:00:00Z"),
  flow: "sign-in" | "associate" = "sign-in",
  provider = "oidc",
) {
  const clock = { now };
  return {
    clock,
    states: new OAuthStates({ secret: SECRET, provider, flow, clock: () => clock.now }),
  };
}

describe("OAuth states", () => {
  it("a state checks out with its cookie and subject; the verifier is the challenge's", async () => {
    const { states: s } = states();
    const issued = await s.issue("user-1");
    const checked = await s.check(issued.state, issued.cookie, "user-1");
    expect(checked).not.toBeNull();
    expect(checked?.nonce).toBe(issued.nonce);
    expect(checked?.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const challenge = createHash("sha256")
      .update(checked?.codeVerifier as string)
      .digest("base64url");
    expect(challenge).toBe(issued.codeChallenge);
    // Nothing the URL carries gives the verifier away.
    expect(issued.state).not.toContain(checked?.codeVerifier);
  });

  it("refuses another cookie, no cookie, another subject", async () => {
    const { states: s } = states();
    const issued = await s.issue("user-1");
    const other = await s.issue("user-1");
    expect(await s.check(issued.state, other.cookie, "user-1")).toBeNull();
    expect(await s.check(issued.state, null, "user-1")).toBeNull();
    expect(await s.check(issued.state, issued.cookie, "user-2")).toBeNull();
    expect(await s.check(issued.state, issued.cookie, "")).toBeNull();
  });

  it("refuses a state for another provider or flow, and a forged one", async () => {
    const { states: s } = states();
    const issued = await s.issue("");
    expect(
      await states(undefined, "associate").states.check(issued.state, issued.cookie, ""),
    ).toBeNull();
    expect(
      await states(undefined, "sign-in", "github").states.check(issued.state, issued.cookie, ""),
    ).toBeNull();
    const [head, body] = issued.state.split(".");
    expect(await s.check(`${head}.${body}.AAAA`, issued.cookie, "")).toBeNull();
    expect(await s.check("not-a-jwt", issued.cookie, "")).toBeNull();
  });

  it("expires after its lifetime (600 s), by the injected clock", async () => {
    const { states: s, clock } = states();
    const issued = await s.issue("");
    clock.now = new Date(clock.now.getTime() + 599_000);
    expect(await s.check(issued.state, issued.cookie, "")).not.toBeNull();
    clock.now = new Date(clock.now.getTime() + 2_000);
    expect(await s.check(issued.state, issued.cookie, "")).toBeNull();
  });

  it("a weak secret fails at construction, with the fix", () => {
    expect(() => new OAuthStates({ secret: "short", provider: "oidc", flow: "sign-in" })).toThrow(
      /OAuth stateSecret must be at least 32 bytes.*openssl rand/,
    );
  });
});
