import { SecretCipher } from "../core/secret-cipher.js";

/**
 * The cipher for TOTP secrets at rest (purpose `totp secret`): from the same
 * app secret as the OAuth token cipher, its key is another, so a stored value
 * of one never decrypts as the other. A value without the `tessera-enc:v1:`
 * prefix is refused ({@link SecretDecryptionFailed}), never read as clear text.
 */
export function totpSecretCipher(
  secret: string | Uint8Array,
  option = "totpEncryptionKey",
): SecretCipher {
  return new SecretCipher(secret, "totp secret", option);
}
