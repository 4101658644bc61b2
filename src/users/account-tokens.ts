import { createHmac } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { User } from "../core/models.js";
import { GENERATE_SECRET } from "../core/secret-bytes.js";
import {
  RESET_PASSWORD_AUDIENCE,
  SignedTokens,
  VERIFY_USER_AUDIENCE,
} from "../core/signed-tokens.js";
import { constantTimeEqual } from "../sessions/tokens.js";

export interface AccountTokensOptions {
  resetPasswordTokenSecret?: string | Uint8Array;
  resetPasswordTokenLifetimeSeconds?: number;
  verificationTokenSecret?: string | Uint8Array;
  verificationTokenLifetimeSeconds?: number;
  clock?: Clock;
}

/** What a valid reset-password token says. */
export interface ResetClaims {
  sub: string;
  fingerprint: string;
}

/** What a valid verification token says. */
export interface VerifyClaims {
  sub: string;
  email: string;
}

/** What a manager without the secret says when its tokens are asked for. */
export const MISSING_SECRET = {
  reset: `UserManager: resetPasswordTokenSecret is not set, and password reset needs it; ${GENERATE_SECRET}`,
  verify: `UserManager: verificationTokenSecret is not set, and email verification needs it; ${GENERATE_SECRET}`,
} as const;

// Signed for unknown and inactive accounts so they cost what a real account costs.
const DECOY_ID = "00000000-0000-4000-8000-000000000000";

/**
 * The reset-password and verification tokens of FastAPI Users: HS256 JWTs with
 * its audiences and claims (`sub`, `password_fgpt`; `sub`, `email`). The
 * fingerprint is an HMAC of the user's id and security stamp keyed by the
 * reset secret, so a token stops working once it has been used (the reset
 * raises the stamp) or the password, email or activation changed, but not when
 * a login merely upgrades the password's hash.
 */
export class AccountTokens {
  readonly #reset: SignedTokens | null;
  readonly #verify: SignedTokens | null;
  readonly #fingerprintKey: string | Uint8Array | null;

  constructor(options: AccountTokensOptions) {
    const clock = options.clock;
    const { resetPasswordTokenSecret: resetSecret, verificationTokenSecret: verifySecret } =
      options;
    this.#reset =
      resetSecret === undefined
        ? null
        : new SignedTokens({
            secret: resetSecret,
            audience: RESET_PASSWORD_AUDIENCE,
            lifetimeSeconds: options.resetPasswordTokenLifetimeSeconds ?? 3600,
            clock,
            optionNames: {
              secret: "UserManager: resetPasswordTokenSecret",
              lifetimeSeconds: "UserManager: resetPasswordTokenLifetimeSeconds",
            },
          });
    this.#verify =
      verifySecret === undefined
        ? null
        : new SignedTokens({
            secret: verifySecret,
            audience: VERIFY_USER_AUDIENCE,
            lifetimeSeconds: options.verificationTokenLifetimeSeconds ?? 3600,
            clock,
            optionNames: {
              secret: "UserManager: verificationTokenSecret",
              lifetimeSeconds: "UserManager: verificationTokenLifetimeSeconds",
            },
          });
    this.#fingerprintKey = resetSecret ?? null;
  }

  /** Whether reset-password tokens can be signed (`resetPasswordTokenSecret` was given). */
  get resets(): boolean {
    return this.#reset !== null;
  }

  /** Whether verification tokens can be signed (`verificationTokenSecret` was given). */
  get verifies(): boolean {
    return this.#verify !== null;
  }

  /** A reset-password token for the user, bound to their current security stamp. */
  resetToken(user: User<unknown>): Promise<string> {
    return this.#resetTokens().sign({
      sub: String(user.id),
      password_fgpt: this.fingerprint(user),
    });
  }

  /** Does the work of {@link resetToken} for no one, so a missing account costs the same. */
  async decoyResetToken(): Promise<void> {
    await this.#resetTokens().sign({
      sub: DECOY_ID,
      password_fgpt: this.fingerprint({ id: DECOY_ID, securityStamp: 0 }),
    });
  }

  /** The claims of a valid reset token, or `null`. */
  async readResetToken(token: string): Promise<ResetClaims | null> {
    const claims = await this.#resetTokens().read(token);
    const { sub, password_fgpt } = claims ?? {};
    if (typeof sub !== "string" || typeof password_fgpt !== "string") return null;
    return { sub, fingerprint: password_fgpt };
  }

  /** Whether a token's fingerprint matches the user as stored now (constant time). */
  fingerprintMatches(
    fingerprint: string,
    user: Pick<User<unknown>, "id" | "securityStamp">,
  ): boolean {
    return constantTimeEqual(fingerprint, this.fingerprint(user));
  }

  /** A verification token for the user's current email. */
  verifyToken(user: User<unknown>): Promise<string> {
    return this.#verifyTokens().sign({ sub: String(user.id), email: user.email });
  }

  /** Does the work of {@link verifyToken} for no one. */
  async decoyVerifyToken(): Promise<void> {
    await this.#verifyTokens().sign({ sub: DECOY_ID, email: "decoy@example.com" });
  }

  /** The claims of a valid verification token, or `null`. */
  async readVerifyToken(token: string): Promise<VerifyClaims | null> {
    const claims = await this.#verifyTokens().read(token);
    const { sub, email } = (claims ?? {}) as { sub?: unknown; email?: unknown };
    if (typeof sub !== "string" || typeof email !== "string") return null;
    return { sub, email };
  }

  fingerprint(user: Pick<User<unknown>, "id" | "securityStamp">): string {
    return createHmac("sha256", this.#fingerprintKey ?? "")
      .update(`password_fgpt:${String(user.id)}:${user.securityStamp}`)
      .digest("base64url");
  }

  #resetTokens(): SignedTokens {
    if (this.#reset === null) {
      throw new TypeError(MISSING_SECRET.reset);
    }
    return this.#reset;
  }

  #verifyTokens(): SignedTokens {
    if (this.#verify === null) {
      throw new TypeError(MISSING_SECRET.verify);
    }
    return this.#verify;
  }
}
