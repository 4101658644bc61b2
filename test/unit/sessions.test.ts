import { generateToken, hashToken, isSessionId, sessionId } from "tessera-auth";
import { describe, expect, it } from "vitest";
import { storedSessionInfo } from "../../src/sessions/session.js";

describe("session ids and info", () => {
  it("a session id is 22 base64url characters, one per token, and not the token's stored form", () => {
    const stored = hashToken(generateToken());
    const id = sessionId(stored);
    expect(isSessionId(id)).toBe(true);
    expect(sessionId(stored)).toBe(id);
    expect(stored.startsWith(id)).toBe(false);
    expect(sessionId(hashToken(generateToken()))).not.toBe(id);
    for (const bad of ["", "A".repeat(21), "A".repeat(23), `${"A".repeat(21)}=`, "' OR 1=1 --"]) {
      expect(isSessionId(bad)).toBe(false);
    }
  });

  it("what is stored of a session is cut to its column, in characters, without control characters", () => {
    expect(
      storedSessionInfo({
        ip: "2001:db8::1",
        userAgent: `🦄\u0000\n${"é".repeat(600)}`,
        label: "",
      }),
    ).toEqual({ ip: "2001:db8::1", userAgent: `🦄${"é".repeat(511)}`, label: null });
    expect(storedSessionInfo()).toEqual({ ip: null, userAgent: null, label: null });
  });
});
