import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { TesseraError } from "./errors.js";
import { secretBytes } from "./secret-bytes.js";

const PREFIX = "tessera-enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Lower-case words: what a key is for, bound into its derivation. */
const PURPOSE = /^[a-z][a-z0-9]*( [a-z0-9]+)*$/;

/** A stored value that does not decrypt under the key (another key or purpose, altered, or not encrypted). */
export class SecretDecryptionFailed extends TesseraError {
  override name = "SecretDecryptionFailed";
  constructor(message = "a stored secret does not decrypt under the configured key") {
    super(message);
  }
}

/**
 * Encrypts a secret at rest with AES-256-GCM under a key derived (HKDF-SHA-256,
 * info `tessera <purpose> encryption`) from the app's secret:
 * `tessera-enc:v1:<base64url(iv | ciphertext | tag)>`. The purpose separates
 * the keys, so one app secret can serve OAuth tokens and TOTP secrets and a
 * value of one never decrypts as the other.
 */
export class SecretCipher {
  readonly #key: Buffer;

  /**
   * `secret`: at least 32 bytes (a string is taken as UTF-8); `purpose`:
   * lower-case words (`"oauth token"`, `"totp secret"`); `option` names the
   * secret in the error a weak one raises.
   */
  constructor(secret: string | Uint8Array, purpose: string, option = "encryptionKey") {
    if (!PURPOSE.test(purpose)) {
      throw new TypeError(
        `SecretCipher: purpose must be lower-case words (got ${JSON.stringify(purpose)})`,
      );
    }
    const bytes = secretBytes(secret, option);
    this.#key = Buffer.from(
      hkdfSync("sha256", bytes, new Uint8Array(0), `tessera ${purpose} encryption`, 32),
    );
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, data, cipher.getAuthTag()]).toString("base64url");
  }

  /** The clear value, or {@link SecretDecryptionFailed} (a value without the prefix too). */
  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) throw new SecretDecryptionFailed();
    const bytes = Buffer.from(stored.slice(PREFIX.length), "base64url");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionFailed();
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const data = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretDecryptionFailed();
    }
  }

  /** Whether a stored value is encrypted (by this format, under any key). */
  static isEncrypted(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }
}
