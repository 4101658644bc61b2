import { readdirSync, readFileSync } from "node:fs";
import { PasswordHelper } from "tessera-auth";
import { describe, expect, it } from "vitest";

// Known-answer vectors: OpenBSD's bcrypt suite and the argon2 reference implementation's.
const BCRYPT_2A = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"; // "U*U"
const BCRYPT_2B = BCRYPT_2A.replace("$2a$", "$2b$");
const ARGON2I =
  "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"; // "password"
const ARGON2ID_OTHER =
  "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"; // "password"

/** The nice value of each of this process's threads (Linux). */
function threadNices(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the command's closing parenthesis start at the 3rd; nice is the 19th.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

describe("PasswordHelper", () => {
  it.skipIf(process.platform !== "linux")(
    "hashes on threads below the event loop's priority (Linux)",
    async () => {
      const helper = new PasswordHelper({ memoryCost: 1024, timeCost: 1 });
      const hash = await helper.hash("correct horse battery staple");
      expect((await helper.verifyAndUpdate("correct horse battery staple", hash)).verified).toBe(
        true,
      );
      const nices = threadNices();
      expect(nices.some((nice) => nice > 0)).toBe(true);
      expect(
        Number(readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1]?.split(" ")[16]),
      ).toBe(0);
    },
  );

  const passwords = new PasswordHelper();

  it("hashes with argon2id at OWASP's parameters, salted", async () => {
    const first = await passwords.hash("correct horse battery staple");
    const second = await passwords.hash("correct horse battery staple");
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
  });

  it("verifies its own hashes without asking for a rehash", async () => {
    const hash = await passwords.hash("correct horse battery staple");
    expect(await passwords.verifyAndUpdate("correct horse battery staple", hash)).toEqual({
      verified: true,
      updatedHash: null,
    });
    expect(await passwords.verifyAndUpdate("Correct horse battery staple", hash)).toEqual({
      verified: false,
      updatedHash: null,
    });
  });

  it.each([
    ["bcrypt $2a$", "U*U", BCRYPT_2A],
    ["bcrypt $2b$", "U*U", BCRYPT_2B],
    ["argon2i", "password", ARGON2I],
    ["argon2id with other parameters", "password", ARGON2ID_OTHER],
  ])("verifies %s written elsewhere and hands back a current hash", async (_, password, hash) => {
    const result = await passwords.verifyAndUpdate(password, hash);
    expect(result.verified).toBe(true);
    expect(result.updatedHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await passwords.verifyAndUpdate(password, result.updatedHash as string)).toEqual({
      verified: true,
      updatedHash: null,
    });
    expect((await passwords.verifyAndUpdate(`${password}!`, hash)).verified).toBe(false);
  });

  it("treats corrupt and unknown hashes as not verified, without throwing", async () => {
    for (const hash of ["", "plaintext", "$argon2id$garbage", "$2b$05$short", "$1$md5$crypt"]) {
      expect(await passwords.verifyAndUpdate("password", hash)).toEqual({
        verified: false,
        updatedHash: null,
      });
    }
  });

  it("follows configured parameters and rehashes hashes made with others", async () => {
    const cheap = new PasswordHelper({ memoryCost: 1024, timeCost: 1 });
    const hash = await cheap.hash("pw");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect((await passwords.verifyAndUpdate("pw", hash)).updatedHash).toMatch(/m=19456,t=2,p=1/);
  });

  it("spends a verification for unknown users", async () => {
    let verifications = 0;
    class Counting extends PasswordHelper {
      override async verifyAndUpdate(password: string, hash: string) {
        verifications++;
        return super.verifyAndUpdate(password, hash);
      }
    }
    await new Counting({ memoryCost: 1024, timeCost: 1 }).spendVerifyTime("anything");
    expect(verifications).toBe(1);
  });

  it("finishes every hash of a burst under a concurrency cap", async () => {
    const limited = new PasswordHelper({ memoryCost: 1024, timeCost: 1, maxConcurrency: 1 });
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => limited.hash(`pw${i}`)));
    expect(new Set(hashes).size).toBe(6);
    expect(() => new PasswordHelper({ maxConcurrency: 0 })).toThrow(RangeError);
  });

  it("generates long random passwords", () => {
    expect(passwords.generate()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(passwords.generate()).not.toBe(passwords.generate());
  });
});
