import { generateToken, hashToken, isSessionId, sessionId } from "tessera-auth";
import { describe, expect, it } from "vitest";
import { decodeAmr, encodeAmr, storedSessionInfo } from "../../src/sessions/session.js";

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
    ).toEqual({ ip: "2001:db8::1", userAgent: `🦄${"é".repeat(511)}`, label: null, amr: [] });
    expect(storedSessionInfo()).toEqual({ ip: null, userAgent: null, label: null, amr: [] });
  });

  it("how a session was proven (amr) is kept in order, each method once", () => {
    const amr = (methods: readonly string[] | null | undefined) =>
      storedSessionInfo({ amr: methods }).amr;
    expect(amr(["password", "otp", "password"])).toEqual(["password", "otp"]);
    expect(amr(["oauth:google", "oauth:Azure_AD.v2-b", "recovery_code", "passkey"])).toEqual([
      "oauth:google",
      "oauth:Azure_AD.v2-b",
      "recovery_code",
      "passkey",
    ]);
    expect(amr(null)).toEqual([]);
    expect(amr(undefined)).toEqual([]);
    expect(amr([])).toEqual([]);
  });

  it("an amr method not of the shape name or name:qualifier, or past the column's 100 characters, is a TypeError", () => {
    for (const bad of [
      "",
      "Password",
      "1fa",
      "pass word",
      "otp ",
      "oauth:",
      "oauth:a:b",
      "oauth:goo gle",
      ":google",
      "mfa\n",
      "é",
    ]) {
      expect(() => storedSessionInfo({ amr: [bad] }), JSON.stringify(bad)).toThrow(TypeError);
    }
    const fits = ["password", `oauth:${"x".repeat(100 - "password oauth:".length)}`];
    expect(storedSessionInfo({ amr: fits }).amr).toEqual(fits);
    // Counted once stored: a duplicate takes no room.
    expect(storedSessionInfo({ amr: [...fits, "password"] }).amr).toEqual(fits);
    expect(() => storedSessionInfo({ amr: [...fits, "otp"] })).toThrow(
      /takes 104 characters stored; at most 100 fit/,
    );
    expect(() => storedSessionInfo({ amr: [`oauth:${"x".repeat(95)}`] })).toThrow(TypeError);
  });

  it("amr is stored as one space-separated string, and none as null", () => {
    expect(encodeAmr(["password", "otp"])).toBe("password otp");
    expect(encodeAmr(["oauth:google"])).toBe("oauth:google");
    expect(encodeAmr([])).toBeNull();
    expect(encodeAmr(undefined)).toBeNull();
    expect(decodeAmr("password otp")).toEqual(["password", "otp"]);
    expect(decodeAmr("oauth:google")).toEqual(["oauth:google"]);
    expect(decodeAmr(null)).toEqual([]);
    expect(decodeAmr(undefined)).toEqual([]);
    expect(decodeAmr("")).toEqual([]);
    for (const methods of [["password"], ["password", "otp", "oauth:x.y-z"]]) {
      expect(decodeAmr(encodeAmr(methods))).toEqual(methods);
    }
  });
});
