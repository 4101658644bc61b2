import { normalizeEmail } from "tessera-auth";
import { describe, expect, it } from "vitest";

describe("normalizeEmail", () => {
  it("lowercases the domain and keeps the local part as typed", () => {
    expect(normalizeEmail("Alice@Example.COM")).toBe("Alice@example.com");
    expect(normalizeEmail("first.last+tag@sub.example.org")).toBe("first.last+tag@sub.example.org");
  });

  it("encodes international domains and accepts UTF-8 local parts", () => {
    expect(normalizeEmail("bob@bücher.de")).toBe("bob@xn--bcher-kva.de");
    expect(normalizeEmail("jörg@example.com")).toBe("jörg@example.com");
  });

  it.each([
    "plainaddress",
    "@example.com",
    "user@",
    "user@localhost",
    "x@test",
    "x@foo.test",
    "x@foo.invalid",
    "x@host.local",
    "x@example.123",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a b@example.com",
    "a@exa mple.com",
    "a@-example.com",
    "a@example-.com",
    "a@example..com",
    '"quoted"@example.com',
    "a@b@example.com",
    "a\n@example.com",
    "' OR '1'='1@example.com",
    `${"a".repeat(65)}@example.com`,
    `a@${"b".repeat(64)}.com`,
    `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`,
  ])("refuses %j", (email) => {
    expect(normalizeEmail(email)).toBeNull();
  });
});
