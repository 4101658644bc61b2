import { createHash } from "node:crypto";
import {
  constantTimeEqual,
  generateToken,
  hashToken,
  isWellFormedToken,
  TokenFormat,
} from "tessera-auth";
import { describe, expect, it } from "vitest";

describe("tokens", () => {
  it("are 32 random bytes in base64url: 43 characters, all different", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken()));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
    }
  });

  it("draw their bytes from the injected source", () => {
    expect(generateToken((size) => Buffer.alloc(size, 0xff))).toBe(`${"_".repeat(42)}8`);
  });

  it("are stored as SHA-256, base64url, 43 characters (fits FastAPI Users' varchar(43))", () => {
    // Known-answer vector: SHA-256("abc").
    expect(hashToken("abc")).toBe(
      Buffer.from(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "hex",
      ).toString("base64url"),
    );
    const token = generateToken();
    expect(hashToken(token)).toBe(createHash("sha256").update(token).digest("base64url"));
    expect(hashToken(token)).toHaveLength(43);
    expect(hashToken(token)).not.toBe(token);
  });

  it("refuses shapes no token can have before any lookup", () => {
    expect(isWellFormedToken(generateToken())).toBe(true);
    for (const bad of [
      "",
      "short",
      "a".repeat(129),
      "x' OR '1'='1",
      "a b".repeat(10),
      "é".repeat(43),
    ]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });

  it("compare in constant time and correctly", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});

describe("recognisable tokens (TokenFormat)", () => {
  const format = new TokenFormat();

  it("are tess_, 43 base62 characters of 32 random bytes, and a 6-character checksum", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => format.generate()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^tess_[0-9A-Za-z]{49}$/);
      expect(format.isValid(token)).toBe(true);
    }
    // All-zero and all-one bytes: the body keeps its 43 digits.
    expect(format.generate((n) => new Uint8Array(n))).toMatch(/^tess_0{43}[0-9A-Za-z]{6}$/);
    expect(format.generate((n) => new Uint8Array(n).fill(255))).toMatch(/^tess_[0-9A-Za-z]{49}$/);
  });

  it("refuse any one-character typo, a swap, a cut and a wrong prefix by the checksum", () => {
    const token = format.generate();
    const damaged = [
      token.slice(0, -1),
      `${token}x`,
      `tesz_${token.slice(5)}`,
      `${token.slice(0, 10)}${token[11]}${token[10]}${token.slice(12)}`,
    ];
    for (let i = 5; i < token.length; i++) {
      const other = token[i] === "a" ? "b" : "a";
      damaged.push(token.slice(0, i) + other + token.slice(i + 1));
    }
    for (const bad of damaged) {
      if (bad === token) continue;
      expect(format.isValid(bad), bad).toBe(false);
    }
    expect(format.isWellFormed(token.slice(0, -1))).toBe(false);
    expect(format.isWellFormed(`${token.slice(0, -1)}-`)).toBe(false);
  });

  it("still accept the 43-character tokens issued before, and nothing else", () => {
    expect(format.isWellFormed(generateToken())).toBe(true);
    for (const junk of ["", "tess_", "x", "' OR 1=1 --", "é".repeat(54)]) {
      expect(format.isWellFormed(junk)).toBe(false);
    }
  });

  it("take an application's own prefix, and refuse one a scanner could not anchor on", () => {
    const own = new TokenFormat("acme_");
    const token = own.generate();
    expect(token).toMatch(/^acme_[0-9A-Za-z]{49}$/);
    expect(own.isValid(token)).toBe(true);
    expect(format.isValid(token)).toBe(false);
    for (const prefix of ["", "acme", "_", "Acme_", "a_", "x-y_", "averyveryverylong_"]) {
      expect(() => new TokenFormat(prefix), prefix).toThrow(RangeError);
    }
  });
});
