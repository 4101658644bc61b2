import { Secret, TOTP, URI } from "otpauth";
import { describe, expect, it } from "vitest";
import { checkTotpCode, newTotpSecret, otpauthUrl } from "../../src/factors/totp.js";

/** RFC 6238 appendix B's SHA-1 seed, "12345678901234567890", in base32. */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/** The six-digit code of a step, as an authenticator app computes it. */
function codeOf(step: number, secret = RFC_SECRET): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * 30_000 });
}

/** RFC 6238 appendix B, SHA-1: [T in seconds, the eight-digit code]. */
const RFC_VECTORS = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
] as const;

describe("RFC 6238's test vectors (SHA-1)", () => {
  it.each(RFC_VECTORS)("otpauth gives the eight-digit code at T = %i s", (seconds, code) => {
    expect(
      TOTP.generate({
        secret: Secret.fromUTF8("12345678901234567890"),
        algorithm: "SHA1",
        digits: 8,
        period: 30,
        timestamp: seconds * 1000,
      }),
    ).toBe(code);
  });

  // A six-digit code is the eight-digit one modulo 10^6: its last six digits.
  it.each(RFC_VECTORS)("checkTotpCode accepts the six-digit code at T = %i s", (seconds, code) => {
    expect(checkTotpCode(RFC_SECRET, code.slice(2), new Date(seconds * 1000), null)).toEqual({
      ok: true,
      step: Math.floor(seconds / 30),
    });
  });
});

describe("time steps", () => {
  it("29.999 s is still step 0, 30.000 s is step 1", () => {
    expect(checkTotpCode(RFC_SECRET, codeOf(0), new Date(29_999), null)).toEqual({
      ok: true,
      step: 0,
    });
    expect(checkTotpCode(RFC_SECRET, codeOf(2), new Date(29_999), null)).toEqual({
      ok: false,
      reason: "wrong",
    });
    expect(checkTotpCode(RFC_SECRET, codeOf(2), new Date(30_000), null)).toEqual({
      ok: true,
      step: 2,
    });
    expect(checkTotpCode(RFC_SECRET, codeOf(0), new Date(30_000), null)).toEqual({
      ok: true,
      step: 0,
    });
  });

  it("the current step and one either side are accepted, two away refused", () => {
    const step = 59_000_000;
    for (const at of [step * 30_000, step * 30_000 + 29_999]) {
      const now = new Date(at);
      for (const offset of [-1, 0, 1]) {
        expect(checkTotpCode(RFC_SECRET, codeOf(step + offset), now, null)).toEqual({
          ok: true,
          step: step + offset,
        });
      }
      for (const offset of [-2, 2]) {
        expect(checkTotpCode(RFC_SECRET, codeOf(step + offset), now, null)).toEqual({
          ok: false,
          reason: "wrong",
        });
      }
    }
  });

  it("another secret's code is wrong", () => {
    const step = 59_000_000;
    const code = codeOf(step, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(checkTotpCode(RFC_SECRET, code, new Date(step * 30_000), null)).toEqual({
      ok: false,
      reason: "wrong",
    });
  });
});

describe("replay", () => {
  const step = 59_000_000;
  const now = new Date(step * 30_000 + 10_000);

  it("a code of the last used step or an earlier one is refused", () => {
    expect(checkTotpCode(RFC_SECRET, codeOf(step), now, null)).toEqual({ ok: true, step });
    expect(checkTotpCode(RFC_SECRET, codeOf(step), now, step)).toEqual({
      ok: false,
      reason: "replayed",
    });
    expect(checkTotpCode(RFC_SECRET, codeOf(step - 1), now, step)).toEqual({
      ok: false,
      reason: "replayed",
    });
    expect(checkTotpCode(RFC_SECRET, codeOf(step), now, step + 1)).toEqual({
      ok: false,
      reason: "replayed",
    });
  });

  it("a later step's code is accepted after an earlier one", () => {
    expect(checkTotpCode(RFC_SECRET, codeOf(step + 1), now, step)).toEqual({
      ok: true,
      step: step + 1,
    });
    expect(checkTotpCode(RFC_SECRET, codeOf(step), now, step - 1)).toEqual({ ok: true, step });
  });

  it("a wrong code is wrong, not replayed", () => {
    expect(checkTotpCode(RFC_SECRET, codeOf(step - 2), now, step)).toEqual({
      ok: false,
      reason: "wrong",
    });
  });
});

describe("what a code must look like", () => {
  const step = 59_000_000;
  const now = new Date(step * 30_000);
  const code = codeOf(step);

  it.each([
    ["empty", ""],
    ["5 digits", code.slice(1)],
    ["7 digits", `${code}0`],
    ["a letter", `${code.slice(0, 5)}a`],
    ["letters", "abcdef"],
    ["Arabic-Indic digits", "١٢٣٤٥٦"],
    ["full-width digits", "１２３４５６"],
    ["a tab", `${code.slice(0, 3)}\t${code.slice(3)}`],
    ["a newline", `${code}\n`],
    ["a sign", `+${code.slice(1)}`],
    ["10 KB of digits", "1".repeat(10_240)],
    ["10 KB of spaces", " ".repeat(10_240)],
    ["the code after 10 KB of spaces", `${" ".repeat(10_240)}${code}`],
  ])("%s is malformed", (_, input) => {
    expect(checkTotpCode(RFC_SECRET, input, now, null)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("spaces are dropped: `123 456` as apps show it, or pasted with spaces around", () => {
    for (const typed of [`${code.slice(0, 3)} ${code.slice(3)}`, ` ${code} `]) {
      expect(checkTotpCode(RFC_SECRET, typed, now, null)).toEqual({ ok: true, step });
    }
  });

  it("a stored secret that is not base32, or too short, is a TypeError, not a wrong code", () => {
    expect(() => checkTotpCode("not base32!", code, now, null)).toThrow(TypeError);
    expect(() => checkTotpCode("GEZDGNBV", code, now, null)).toThrow(/at least 16 bytes/);
  });
});

describe("a new secret and its otpauth:// URI", () => {
  it("a secret is 20 random bytes in base32, a new one each time", () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(a).bytes).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(a);
  });

  it("the URI is Google Authenticator's key URI: issuer:account, SHA-1, 6 digits, 30 s", () => {
    const url = otpauthUrl({ secret: RFC_SECRET, issuer: "Acme Inc", account: "me@example.com" });
    expect(url).toBe(
      `otpauth://totp/Acme%20Inc:me%40example.com?issuer=Acme%20Inc&secret=${RFC_SECRET}&algorithm=SHA1&digits=6&period=30`,
    );
    const parsed = URI.parse(url);
    expect(parsed).toBeInstanceOf(TOTP);
    expect(parsed).toMatchObject({
      issuer: "Acme Inc",
      label: "me@example.com",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
    expect(parsed.secret.base32).toBe(RFC_SECRET);
  });

  it.each([
    [{ issuer: "", account: "me@example.com" }, /issuer must be non-empty/],
    [{ issuer: "Acme:Inc", account: "me@example.com" }, /issuer must be non-empty without ":"/],
    [{ issuer: "Acme", account: "" }, /account must be non-empty/],
    [{ issuer: "Acme", account: "a:b" }, /account must be non-empty without ":"/],
  ])("%o is refused", (names, message) => {
    expect(() => otpauthUrl({ secret: RFC_SECRET, ...names })).toThrow(message);
  });
});
