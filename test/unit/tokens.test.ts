import { createHash } from "node:crypto";
import { constantTimeEqual, generateToken, hashToken, isWellFormedToken } from "tessera-auth";
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
