import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { TesseraError } from "../core/errors.js";
import { secretBytes } from "../core/secret-bytes.js";

const PREFIX = "tessera-enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored provider token that does not decrypt under the key (another key, or altered). */
export class TokenDecryptionFailed extends TesseraError {
  override name = "TokenDecryptionFailed";
  constructor() {
    super("a stored provider token does not decrypt under the configured key");
  }
}

/**
 * Encrypts provider tokens at rest with AES-256-GCM under a key derived
 * (HKDF-SHA-256) from the app's secret: `tessera-enc:v1:<base64url(iv | ciphertext | tag)>`.
 * A stored value without the prefix is read as clear text: FastAPI Users'
 * rows keep working, and are encrypted the next time their user signs in.
 */
export class TokenCipher {
  readonly #key: Buffer;

  /** `secret`: at least 32 bytes (a string is taken as UTF-8). */
  constructor(secret: string | Uint8Array, option = "tokenEncryptionKey") {
    const bytes = secretBytes(secret, option);
    this.#key = Buffer.from(
      hkdfSync("sha256", bytes, new Uint8Array(0), "tessera oauth token encryption", 32),
    );
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, data, cipher.getAuthTag()]).toString("base64url");
  }

  /** The clear token; a value without the prefix is returned as is. */
  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const bytes = Buffer.from(stored.slice(PREFIX.length), "base64url");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new TokenDecryptionFailed();
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const data = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
    } catch {
      throw new TokenDecryptionFailed();
    }
  }

  /** Whether a stored value is encrypted (by this format, under any key). */
  static isEncrypted(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }
}
