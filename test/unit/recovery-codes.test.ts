import { describe, expect, it } from "vitest";
import {
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  newRecoveryCodes,
} from "../../src/factors/recovery-codes.js";

const SHAPE = /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/;

describe("recovery codes", () => {
  it("ten by default, each xxxx-xxxx-xxxx-xxxx from Crockford's alphabet (80 bits), all different", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(SHAPE);
    expect(new Set(codes).size).toBe(10);
    expect(newRecoveryCodes(3)).toHaveLength(3);
  });

  it("a thousand codes are a thousand different ones, and use the whole alphabet", () => {
    const codes = Array.from({ length: 100 }, () => newRecoveryCodes()).flat();
    expect(new Set(codes).size).toBe(1000);
    const used = new Set(codes.join("").replaceAll("-", ""));
    expect([...used].sort().join("")).toBe("0123456789abcdefghjkmnpqrstvwxyz");
  });

  it.each([0, -1, 1.5, 101, Number.NaN])("count %s is refused", (count) => {
    expect(() => newRecoveryCodes(count)).toThrow(RangeError);
  });

  it("a code hashes alike however it is typed: case, dashes, spaces, o for 0, i or l for 1", () => {
    const hash = hashRecoveryCode("7k2m-q9x0-11zt-8e5c");
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const typed of [
      "7K2M-Q9X0-11ZT-8E5C",
      "7k2mq9x011zt8e5c",
      " 7k2m q9x0 11zt 8e5c ",
      "7k2m-q9xo-l1zt-8e5c",
      "7K2M-Q9XO-I1ZT-8E5C",
    ]) {
      expect(hashRecoveryCode(typed)).toBe(hash);
      expect(isWellFormedRecoveryCode(typed)).toBe(true);
    }
    expect(hashRecoveryCode("7k2m-q9x0-12zt-8e5c")).not.toBe(hash);
  });

  it("a hash is a lookup key: one per code, a thousand codes give a thousand hashes", () => {
    const codes = Array.from({ length: 100 }, () => newRecoveryCodes()).flat();
    expect(new Set(codes.map(hashRecoveryCode)).size).toBe(1000);
  });

  it.each([
    ["empty", ""],
    ["too short", "7k2m-q9x0-11zt-8e5"],
    ["too long", "7k2m-q9x0-11zt-8e5c0"],
    ["u is not in the alphabet", "7k2m-q9xu-11zt-8e5c"],
    ["punctuation", "7k2m_q9x0_11zt_8e5c"],
    ["10 KB", "7".repeat(10_240)],
  ])("%s is not a recovery code", (_, typed) => {
    expect(isWellFormedRecoveryCode(typed)).toBe(false);
  });
});
