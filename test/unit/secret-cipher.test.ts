import { describe, expect, it } from "vitest";
import { SecretCipher, SecretDecryptionFailed } from "../../src/core/secret-cipher.js";
import { totpSecretCipher } from "../../src/factors/totp-secret-cipher.js";
import { TokenCipher, TokenDecryptionFailed } from "../../src/oauth/token-cipher.js";

const KEY = "token-key-token-key-token-key-token-key-0";
/** "gho_legacy-token" as TokenCipher encrypted it under KEY before it stood on SecretCipher. */
const LEGACY_TOKEN = "tessera-enc:v1:VjmakhyXcMdQzelcTX-CAJUQep47FNGprW4fo70-WvI_edDV4Hfran7dNUI";

describe("secrets at rest", () => {
  it("encrypt then decrypt gives the secret back; each encryption differs", () => {
    const cipher = totpSecretCipher(KEY);
    const a = cipher.encrypt("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(a).toMatch(/^tessera-enc:v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toContain("GEZDGNBV");
    expect(cipher.encrypt("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).not.toBe(a);
    expect(cipher.decrypt(a)).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  });

  it("one app secret, two purposes, two keys: neither value decrypts as the other", () => {
    const totp = totpSecretCipher(KEY).encrypt("totp-secret");
    const token = new TokenCipher(KEY).encrypt("oauth-token");
    expect(() => new TokenCipher(KEY).decrypt(totp)).toThrow(TokenDecryptionFailed);
    expect(() => new SecretCipher(KEY, "oauth token").decrypt(totp)).toThrow(
      SecretDecryptionFailed,
    );
    expect(() => totpSecretCipher(KEY).decrypt(token)).toThrow(SecretDecryptionFailed);
    expect(new SecretCipher(KEY, "oauth token").decrypt(token)).toBe("oauth-token");
  });

  it("a token stored before the move still decrypts: the OAuth key is derived as it was", () => {
    expect(new TokenCipher(KEY).decrypt(LEGACY_TOKEN)).toBe("gho_legacy-token");
    expect(new SecretCipher(KEY, "oauth token").decrypt(LEGACY_TOKEN)).toBe("gho_legacy-token");
  });

  it("a clear value is refused as a secret, and read as is as a provider token (FastAPI Users' rows)", () => {
    expect(() => totpSecretCipher(KEY).decrypt("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).toThrow(
      SecretDecryptionFailed,
    );
    expect(new TokenCipher(KEY).decrypt("gho_clear")).toBe("gho_clear");
  });

  it("another key or an altered value does not decrypt", () => {
    const stored = totpSecretCipher(KEY).encrypt("secret");
    expect(() => totpSecretCipher(`${KEY}-other`).decrypt(stored)).toThrow(SecretDecryptionFailed);
    const altered = `${stored.slice(0, -2)}${stored.endsWith("A") ? "B" : "A"}A`;
    expect(() => totpSecretCipher(KEY).decrypt(altered)).toThrow(SecretDecryptionFailed);
    expect(() => totpSecretCipher(KEY).decrypt("tessera-enc:v1:AAAA")).toThrow(
      SecretDecryptionFailed,
    );
  });

  it("a provider token's failure is still TokenDecryptionFailed, and a SecretDecryptionFailed", () => {
    const error = (() => {
      try {
        new TokenCipher(KEY).decrypt("tessera-enc:v1:AAAA");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TokenDecryptionFailed);
    expect(error).toBeInstanceOf(SecretDecryptionFailed);
  });

  it("a short key or a bad purpose fails at construction", () => {
    expect(() => totpSecretCipher("short")).toThrow(/totpEncryptionKey must be at least 32 bytes/);
    for (const purpose of ["", "TOTP", " totp", "totp  secret", "totp:secret"]) {
      expect(() => new SecretCipher(KEY, purpose)).toThrow(/purpose must be lower-case words/);
    }
  });
});
