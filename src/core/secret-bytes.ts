/** HS256 wants a key at least as long as its hash: 256 bits. */
export const MIN_SECRET_BYTES = 32;

/** The one line that says how to make a good secret. */
export const GENERATE_SECRET = "generate one with: openssl rand -base64 32";

/**
 * The bytes of an HMAC secret (a string is taken as UTF-8, as FastAPI Users
 * does), or a TypeError/RangeError naming `option` (e.g. `JwtStrategy: secret`)
 * and the fix, so a weak or missing secret stops the app at construction.
 */
export function secretBytes(secret: unknown, option: string): Uint8Array {
  if (typeof secret !== "string" && !(secret instanceof Uint8Array)) {
    throw new TypeError(
      `${option} is missing (got ${secret === null ? "null" : typeof secret}); ${GENERATE_SECRET}`,
    );
  }
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `${option} must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes.length}); ${GENERATE_SECRET}`,
    );
  }
  return bytes;
}
