import { describe, expect, it } from "vitest";
import { assuranceLevel } from "../../src/factors/assurance.js";

describe("the assurance level of a session's amr (NIST SP 800-63B)", () => {
  it.each([
    [[], 1],
    [["password"], 1],
    [["oauth:google"], 1],
    [["otp"], 1],
    [["recovery_code"], 1],
    [["otp", "recovery_code"], 1],
    [["password", "oauth:google"], 1],
    [["password", "otp"], 2],
    [["password", "recovery_code"], 2],
    [["password", "passkey"], 2],
    [["oauth:google", "otp"], 2],
    [["oauth:github", "recovery_code"], 2],
    [["otp", "password"], 2],
    [["passkey"], 2],
    [["sms", "password"], 1],
    [["oauth", "otp"], 1],
  ] as const)("%o → aal %i", (amr, aal) => {
    expect(assuranceLevel(amr)).toBe(aal);
  });
});
