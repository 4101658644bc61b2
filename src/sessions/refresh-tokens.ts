import * as crypto from "node:crypto";
import type { User } from "../core/models.js";
import type { RefreshTokenDatabase } from "./refresh-token-database.js";
import { TokenFormat } from "./token-format.js";

export interface RefreshTokenOptions<U extends User<ID>, ID = U["id"]> {
  /** Where refresh tokens live (`kyselyAdapter(db).refreshTokens`). */
  database: RefreshTokenDatabase<U, ID>;
  /**
   * Seconds a refresh token lives after it is issued; each refresh issues a
   * new one, so a session used at least this often goes on.
   * @default 2,592,000 (30 days)
   */
  lifetimeSeconds?: number;
  /** The prefix of refresh tokens (see {@link TokenFormat}). @default "tessr_" */
  prefix?: string;
}

/** A new pair of tokens, as the client will hold them. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** The session's public id (the family's). */
  sessionId: string;
}

/** What a refresh came to. */
export type RefreshOutcome<U> =
  | ({ ok: true; user: U } & TokenPair)
  /**
   * `invalid`: malformed, unknown, expired, or its user changed credentials or
   * was deactivated. `reused`: it was used before; its family is revoked.
   */
  | { ok: false; reason: "invalid" | "reused" };

/** Resolved refresh-token settings of a strategy. */
export class RefreshTokens<U extends User<ID>, ID = U["id"]> {
  readonly database: RefreshTokenDatabase<U, ID>;
  readonly lifetimeSeconds: number;
  readonly format: TokenFormat;

  constructor(options: RefreshTokenOptions<U, ID>) {
    const { lifetimeSeconds = 30 * 24 * 3600, prefix = "tessr_" } = options;
    if (!(lifetimeSeconds > 0)) {
      throw new RangeError("refreshTokens.lifetimeSeconds must be a positive number");
    }
    this.database = options.database;
    this.lifetimeSeconds = lifetimeSeconds;
    this.format = new TokenFormat(prefix);
  }

  /** A new family id: 128 random bits, base64url (22 characters, a session id's shape). */
  newFamily(): string {
    return crypto.randomBytes(16).toString("base64url");
  }

  /** The oldest creation time a valid refresh token can have at `now`. */
  notBefore(now: Date): Date {
    return new Date(now.getTime() - this.lifetimeSeconds * 1000);
  }
}
