import { SecretCipher, SecretDecryptionFailed } from "../core/secret-cipher.js";

/** The purpose whose key encrypts provider tokens (`tessera oauth token encryption`, as before the move). */
const PURPOSE = "oauth token";

/** A stored provider token that does not decrypt under the key (another key, or altered). */
export class TokenDecryptionFailed extends SecretDecryptionFailed {
  override name = "TokenDecryptionFailed";
  constructor() {
    super("a stored provider token does not decrypt under the configured key");
  }
}

/**
 * Encrypts provider tokens at rest: a {@link SecretCipher} for the purpose
 * `oauth token`. A stored value without the prefix is read as clear text:
 * FastAPI Users' rows keep working, and are encrypted the next time their
 * user signs in.
 */
export class TokenCipher {
  readonly #cipher: SecretCipher;

  /** `secret`: at least 32 bytes (a string is taken as UTF-8). */
  constructor(secret: string | Uint8Array, option = "tokenEncryptionKey") {
    this.#cipher = new SecretCipher(secret, PURPOSE, option);
  }

  encrypt(plain: string): string {
    return this.#cipher.encrypt(plain);
  }

  /** The clear token; a value without the prefix is returned as is. */
  decrypt(stored: string): string {
    if (!SecretCipher.isEncrypted(stored)) return stored;
    try {
      return this.#cipher.decrypt(stored);
    } catch (error) {
      throw error instanceof SecretDecryptionFailed ? new TokenDecryptionFailed() : error;
    }
  }

  /** Whether a stored value is encrypted (by this format, under any key). */
  static isEncrypted(stored: string): boolean {
    return SecretCipher.isEncrypted(stored);
  }
}
