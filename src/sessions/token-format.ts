import * as crypto from "node:crypto";
import { isWellFormedToken, TOKEN_BYTES } from "./tokens.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Base62 digits of 32 random bytes (62^43 > 2^256). */
const BODY_LENGTH = 43;
/** Base62 digits of a CRC-32 (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;
const PREFIX_SHAPE = /^[a-z][a-z0-9]{1,11}_$/;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE) of an ASCII string's first `end` characters; from `running`, its state unfinished. */
function crc32(text: string, end = text.length, running?: number): number {
  let crc = running ?? 0xffffffff;
  for (let i = 0; i < end; i++) crc = crcStep(crc, text.charCodeAt(i));
  return running === undefined ? (crc ^ 0xffffffff) >>> 0 : crc;
}

function crcStep(crc: number, code: number): number {
  return (CRC_TABLE[(crc ^ code) & 0xff] as number) ^ (crc >>> 8);
}

function base62(value: bigint, length: number): string {
  let digits = "";
  for (let rest = value; rest > 0n; rest /= 62n) digits = BASE62[Number(rest % 62n)] + digits;
  return digits.padStart(length, "0");
}

/**
 * Tokens a person, a secret scanner and the server can each recognise, as
 * GitHub's and Stripe's are: a fixed prefix, 32 random bytes in base62, and a
 * CRC-32 of both in base62 — `tess_` + 49 characters of `[0-9A-Za-z]`. A
 * scanner matches `tess_[0-9A-Za-z]{49}`; the server refuses a mistyped or
 * truncated token by its checksum, without a query. The checksum is no
 * secret and adds no strength: the 256 random bits do that.
 *
 * Tokens issued before (43 base64url characters, as FastAPI Users') keep
 * working: {@link isWellFormed} accepts both shapes.
 */
export class TokenFormat {
  readonly #length: number;
  /** The CRC's state after the prefix, the same for every token. */
  readonly #prefixCrc: number;

  constructor(readonly prefix = "tess_") {
    if (!PREFIX_SHAPE.test(prefix)) {
      throw new RangeError(
        `token prefix "${prefix}" must be 2 to 12 lowercase letters or digits, starting with a letter, then "_"`,
      );
    }
    this.#length = prefix.length + BODY_LENGTH + CHECKSUM_LENGTH;
    this.#prefixCrc = crc32(prefix, prefix.length, 0xffffffff);
  }

  /** A new token: the prefix, 32 bytes from the CSPRNG, a checksum. */
  generate(random: (size: number) => Uint8Array = crypto.randomBytes): string {
    const bytes = random(TOKEN_BYTES);
    const value = BigInt(
      `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`,
    );
    const body = this.prefix + base62(value, BODY_LENGTH);
    return body + base62(BigInt(crc32(body)), CHECKSUM_LENGTH);
  }

  /** Whether this format issued the token: the prefix, the length, base62, a checksum that holds. */
  isValid(token: string): boolean {
    if (token.length !== this.#length || !token.startsWith(this.prefix)) return false;
    const split = token.length - CHECKSUM_LENGTH;
    // It runs on every authenticated request: one pass checks the digits and computes the CRC.
    let crc = this.#prefixCrc;
    for (let i = this.prefix.length; i < split; i++) {
      const code = token.charCodeAt(i);
      if (base62Digit(code) < 0) return false;
      crc = crcStep(crc, code);
    }
    // Read the checksum as a number (62^6 fits a double exactly): no string built per request.
    let checksum = 0;
    for (let i = split; i < token.length; i++) {
      const digit = base62Digit(token.charCodeAt(i));
      if (digit < 0) return false;
      checksum = checksum * 62 + digit;
    }
    return checksum === (crc ^ 0xffffffff) >>> 0;
  }

  /**
   * Whether a token can be looked up: one of this format with a valid
   * checksum, or one of the older 43-character shape. Anything else that
   * starts with the prefix is a damaged token of this format: refused.
   */
  isWellFormed(token: string): boolean {
    if (token.startsWith(this.prefix) && token.length !== 43) return this.isValid(token);
    return isWellFormedToken(token);
  }
}

/** Each ASCII code's base62 digit value, or -1. */
const DIGITS = Int8Array.from({ length: 128 }, (_, code) =>
  BASE62.indexOf(String.fromCharCode(code)),
);

/** The value of a base62 digit's character code, or -1. */
function base62Digit(code: number): number {
  return code < 128 ? (DIGITS[code] as number) : -1;
}
