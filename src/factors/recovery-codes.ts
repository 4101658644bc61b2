import { randomBytes } from "node:crypto";
import { hashToken } from "../sessions/tokens.js";

/** Crockford's base32, lower-case: no i, l, o or u, so nothing reads as another character. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/**
 * 16 characters of 5 bits: 80 bits each, shown as `xxxx-xxxx-xxxx-xxxx`. Not
 * fewer: the stored hash is fast and unsalted (see {@link hashRecoveryCode}),
 * and 50 bits would fall to one GPU in a day (2^50 SHA-256 at ~2·10^10 a second).
 */
const LENGTH = 16;
const SHAPE = /^[0-9a-hjkmnp-tv-z]{16}$/;

/**
 * New single-use recovery codes, all different, such as `7k2m-q9xd-4p0c-zt8e`.
 * Show them once; store only {@link hashRecoveryCode} of each.
 */
export function newRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new RangeError(`newRecoveryCodes: count must be an integer from 1 to 100 (got ${count})`);
  }
  const codes = new Set<string>();
  while (codes.size < count) {
    // 32 divides 256: each character is uniform.
    const chars = [...randomBytes(LENGTH)].map((byte) => ALPHABET[byte % ALPHABET.length]);
    codes.add([0, 4, 8, 12].map((start) => chars.slice(start, start + 4).join("")).join("-"));
  }
  return [...codes];
}

/**
 * A code as typed, in its one canonical form: lower case, without dashes or
 * spaces, and Crockford's readings of look-alikes (`o` → `0`, `i`/`l` → `1`).
 */
function normalize(code: string): string {
  return code.toLowerCase().replace(/[-\s]/g, "").replace(/o/g, "0").replace(/[il]/g, "1");
}

/** Whether what was typed can be a recovery code at all: anything else is refused before a lookup. */
export function isWellFormedRecoveryCode(code: string): boolean {
  return code.length <= 2 * LENGTH && SHAPE.test(normalize(code));
}

/**
 * The stored form of a code, the key it is looked up by: SHA-256 of its
 * normalised form (with a label), base64url. A fast hash is right here,
 * unlike for a password: the code is 80 random bits, not a human choice, so
 * no dictionary shortens the search and 2^80 hashes are out of reach, while
 * a per-code salt would forbid the lookup by hash.
 */
export function hashRecoveryCode(code: string): string {
  return hashToken(`tessera-recovery-code:${normalize(code)}`);
}
