import { webcrypto } from "node:crypto";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import { type Clock, systemClock } from "./clock.js";
import { secretBytes } from "./secret-bytes.js";

/** FastAPI Users' audience of reset-password tokens. */
export const RESET_PASSWORD_AUDIENCE = "fastapi-users:reset";
/** FastAPI Users' audience of email-verification tokens. */
export const VERIFY_USER_AUDIENCE = "fastapi-users:verify";

/** Far above any token tessera issues; longer input is refused before any crypto. */
const MAX_TOKEN_LENGTH = 2048;

export interface SignedTokensOptions {
  /** The HMAC key, at least 32 bytes (a string is taken as UTF-8, as FastAPI Users does). */
  secret: string | Uint8Array;
  /** The `aud` claim written and required. */
  audience: string;
  /** Seconds a token is valid after it is signed. */
  lifetimeSeconds: number;
  /** @default () => new Date() */
  clock?: Clock;
  /**
   * How construction errors name the two options, as the caller's user knows them.
   * @default { secret: "SignedTokens: secret", lifetimeSeconds: "SignedTokens: lifetimeSeconds" }
   */
  optionNames?: { secret: string; lifetimeSeconds: string };
}

/**
 * Short-lived HS256 JWTs for one audience, signed and checked with `jose`.
 * The HMAC key is imported once, on first use, not per token.
 *
 * @example
 * const tokens = new SignedTokens({ secret, audience: RESET_PASSWORD_AUDIENCE, lifetimeSeconds: 3600 });
 * const token = await tokens.sign({ sub: user.id });
 * const claims = await tokens.read(token); // null if forged, expired or for another audience
 */
export class SignedTokens {
  readonly audience: string;
  readonly lifetimeSeconds: number;
  readonly #secret: Uint8Array;
  readonly #clock: Clock;
  #key: Promise<webcrypto.CryptoKey> | null = null;

  constructor(options: SignedTokensOptions) {
    const { secret, audience, lifetimeSeconds, clock = systemClock } = options;
    const names = options.optionNames ?? {
      secret: "SignedTokens: secret",
      lifetimeSeconds: "SignedTokens: lifetimeSeconds",
    };
    const bytes = secretBytes(secret, names.secret);
    if (!(Number.isInteger(lifetimeSeconds) && lifetimeSeconds > 0)) {
      throw new RangeError(
        `${names.lifetimeSeconds} must be a positive integer (got ${lifetimeSeconds})`,
      );
    }
    this.#secret = Uint8Array.from(bytes);
    this.audience = audience;
    this.lifetimeSeconds = lifetimeSeconds;
    this.#clock = clock;
  }

  /** A token carrying `claims` plus `aud`, `iat` and `exp`. */
  async sign(claims: Record<string, unknown>): Promise<string> {
    const now = Math.floor(this.#clock().getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(await this.#importKey());
  }

  /** The claims of a valid token, or `null` (malformed, forged, expired, other audience). */
  async read(token: string): Promise<JWTPayload | null> {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { payload } = await jwtVerify(token, await this.#importKey(), {
        algorithms: ["HS256"],
        audience: this.audience,
        currentDate: this.#clock(),
        requiredClaims: ["exp", "sub"],
      });
      return payload;
    } catch {
      return null;
    }
  }

  #importKey(): Promise<webcrypto.CryptoKey> {
    this.#key ??= webcrypto.subtle.importKey(
      "raw",
      this.#secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    return this.#key;
  }
}
