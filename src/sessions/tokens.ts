import * as crypto from "node:crypto";

/** Bytes of randomness in an access token (43 base64url characters). */
export const TOKEN_BYTES = 32;

/** A new opaque access token: 32 bytes from the CSPRNG, base64url, as FastAPI Users. */
export function generateToken(random: (size: number) => Uint8Array = crypto.randomBytes): string {
  const bytes = random(TOKEN_BYTES);
  // Typed as Uint8Array, so the declaration files of the core need no Node types.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

// Every authenticated request hashes its token: the one-shot `crypto.hash` (Node >= 20.12) is about
// twice as fast as a Hash object. A namespace import, because a named one fails on older Node 20.
const sha256: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "base64url")
    : (text) => crypto.createHash("sha256").update(text).digest("base64url");

/**
 * SHA-256 of a token, base64url (43 characters, so it fits FastAPI Users'
 * `varchar(43)` column). A leaked table grants nothing: the token cannot be
 * recovered from it, and being 256 bits of randomness it needs no salt.
 */
export function hashToken(token: string): string {
  return sha256(token);
}

/**
 * How tokens are written to the database: `hashed` (default, SHA-256) or
 * `plain`, only to share a table with a running FastAPI Users deployment.
 */
export type TokenStorage = "hashed" | "plain";

/** The stored form of a token under the given storage mode. */
export function storedToken(token: string, storage: TokenStorage): string {
  return storage === "hashed" ? hashToken(token) : token;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Whether a string can be a token at all (base64url, sane length). Anything
 * else is refused before a query is spent on it.
 */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare against itself when lengths differ so the time does not depend on the content.
  if (left.length !== right.length) {
    crypto.timingSafeEqual(left, left);
    return false;
  }
  return crypto.timingSafeEqual(left, right);
}
