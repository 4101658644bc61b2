import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { type Clock, systemClock } from "../core/clock.js";
import { UserNotExists } from "../core/errors.js";
import type { User } from "../core/models.js";
import { secretBytes } from "../core/secret-bytes.js";
import type { UserManager } from "../users/user-manager.js";
import type { Strategy } from "./strategy.js";

/** FastAPI Users' audience of access tokens: its JWTs and tessera's read each other. */
export const JWT_AUTH_AUDIENCE = "fastapi-users:auth";

/** The algorithms a {@link JwtStrategy} signs with. */
export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

export interface JwtStrategyOptions {
  /**
   * HS*: the shared secret, at least 32 bytes (a string is taken as UTF-8, as
   * FastAPI Users does). Asymmetric algorithms: the private key (PEM, PKCS#8)
   * that signs, with {@link publicKey}.
   */
  secret: string | Uint8Array;
  /** Asymmetric algorithms: the public key (PEM, SPKI) that verifies. */
  publicKey?: string;
  /** Seconds a token is valid after it is signed; `null` for tokens that never expire. */
  lifetimeSeconds: number | null;
  /** The `aud` claim written and required. @default ["fastapi-users:auth"] */
  audience?: string | string[];
  /** @default "HS256" */
  algorithm?: JwtAlgorithm;
  clock?: Clock;
}

const MAX_TOKEN_LENGTH = 4096;
/** How many credential changes in a row one JWT makes and survives (see {@link JwtStrategy}). */
export const JWT_CARRIED_CHANGES = 8;

/** The claims tessera reads from a verified JWT. */
interface Claims {
  sub?: unknown;
  jti?: unknown;
  tessera_stamp?: unknown;
}

// Process scope: a strategy built per request (the seed's factory) imports each key once.
const keys = new Map<string, { sign: KeyObject; verify: KeyObject }>();

/**
 * FastAPI Users' JWT strategy: a token is a signed `{sub, aud, exp}`; reading
 * it costs a signature check and one user lookup, and no token is stored.
 *
 * **A JWT cannot be revoked one by one before it expires**: logout answers
 * 204 and the token keeps working until `exp` (keep `lifetimeSeconds` short),
 * and there are no sessions to list or end one by one (the sessions routes
 * are not mounted). What ends JWTs is the user's security stamp, written in
 * each token (`tessera_stamp`): a new password, a new email, a deactivation,
 * a password reset or "log out everywhere" raises it, and every JWT signed
 * before stops working.
 *
 * A change the user makes from a JWT keeps that JWT working (as the database
 * strategy keeps the session that made it): the stamp is raised to a value
 * derived from the stamp and the `jti` of that token ({@link nextSecurityStamp}),
 * which {@link readToken} accepts for that token only. Up to
 * {@link JWT_CARRIED_CHANGES} changes in a row from one JWT keep it; the next
 * ends it too (log in again). Another JWT survives such a change only if the
 * derived stamp happens to fall in its own chain, a chance under 1 in 10^8.
 *
 * @example
 * const strategy = new JwtStrategy({ secret: process.env.JWT_SECRET, lifetimeSeconds: 900 });
 */
export class JwtStrategy<U extends User<ID>, ID = U["id"]> implements Strategy<U, ID> {
  readonly lifetimeSeconds: number | null;
  readonly audience: string[];
  readonly algorithm: JwtAlgorithm;
  readonly #keys: { sign: KeyObject; verify: KeyObject };
  readonly #clock: Clock;

  constructor(options: JwtStrategyOptions) {
    const { lifetimeSeconds, algorithm = "HS256", clock = systemClock } = options;
    if (lifetimeSeconds !== null && !(Number.isInteger(lifetimeSeconds) && lifetimeSeconds > 0)) {
      throw new RangeError(
        `JwtStrategy: lifetimeSeconds must be a positive integer or null (got ${lifetimeSeconds})`,
      );
    }
    const audience = options.audience ?? [JWT_AUTH_AUDIENCE];
    this.audience = Array.isArray(audience) ? [...audience] : [audience];
    this.lifetimeSeconds = lifetimeSeconds;
    this.algorithm = algorithm;
    this.#clock = clock;
    this.#keys = keysFor(options.secret, options.publicKey, algorithm);
  }

  async readToken(token: string | null, userManager: UserManager<U, ID>): Promise<U | null> {
    const claims = await this.#verify(token);
    if (claims === null || typeof claims.sub !== "string") return null;
    const id = userManager.parseId(claims.sub);
    if (id === null) return null;
    let user: U;
    try {
      user = await userManager.get(id);
    } catch (error) {
      if (error instanceof UserNotExists) return null;
      throw error;
    }
    return changesSince(claims, user.securityStamp) === null ? null : user;
  }

  /**
   * The stamp a credential change made from `keep` raises the user's to:
   * derived from the user's stamp and `keep`'s `jti`, so that `keep` alone
   * reads as the user afterwards. `null` when `keep` is not a working JWT of
   * `user`, carries no `jti` (FastAPI Users' own), or has made
   * {@link JWT_CARRIED_CHANGES} changes already: the stamp then goes up by one
   * and `keep` ends with the others.
   */
  async nextSecurityStamp(user: U, keep: string): Promise<number | null> {
    const claims = await this.#verify(keep);
    if (claims === null || claims.sub !== String(user.id) || typeof claims.jti !== "string") {
      return null;
    }
    const made = changesSince(claims, user.securityStamp);
    if (made === null || made >= JWT_CARRIED_CHANGES) return null;
    const next = derivedStamp(user.securityStamp, claims.jti);
    return next === user.securityStamp ? null : next;
  }

  /** The token's claims if its signature, audience and expiry hold; else `null`. */
  async #verify(token: string | null): Promise<Claims | null> {
    if (token === null || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { payload } = await jwtVerify(token, this.#keys.verify, {
        algorithms: [this.algorithm],
        audience: this.audience,
        currentDate: this.#clock(),
        requiredClaims: this.lifetimeSeconds === null ? ["sub"] : ["sub", "exp"],
      });
      return payload;
    } catch {
      return null;
    }
  }

  async writeToken(user: U): Promise<string> {
    const now = Math.floor(this.#clock().getTime() / 1000);
    const jwt = new SignJWT({ tessera_stamp: user.securityStamp })
      .setProtectedHeader({ alg: this.algorithm, typ: "JWT" })
      .setSubject(String(user.id))
      .setAudience(this.audience)
      .setIssuedAt(now)
      // HS* signatures are deterministic: without it, two logins in one second would get one token.
      .setJti(randomBytes(16).toString("base64url"));
    if (this.lifetimeSeconds !== null) jwt.setExpirationTime(now + this.lifetimeSeconds);
    return jwt.sign(this.#keys.sign);
  }

  /** Nothing to do: a JWT cannot be revoked (FastAPI Users' logout answers 204 all the same). */
  async destroyToken(): Promise<void> {}

  /** When the token was signed (`iat`), for fresh sessions; `null` for an invalid one. */
  async sessionStartedAt(token: string): Promise<Date | null> {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { payload } = await jwtVerify(token, this.#keys.verify, {
        algorithms: [this.algorithm],
        audience: this.audience,
        currentDate: this.#clock(),
      });
      return typeof payload.iat === "number" ? new Date(payload.iat * 1000) : null;
    } catch {
      return null;
    }
  }
}

/**
 * How many changes made from this token lead from the stamp it was signed
 * with to `current`; `null` when none do (a change made elsewhere, or a
 * password reset, ended it). FastAPI Users' tokens carry no stamp: they are
 * as old as stamp 0.
 */
function changesSince(claims: Claims, current: number): number | null {
  const signed = claims.tessera_stamp ?? 0;
  if (signed === current) return 0;
  if (typeof signed !== "number" || typeof claims.jti !== "string") return null;
  let stamp = signed;
  for (let made = 1; made <= JWT_CARRIED_CHANGES; made++) {
    stamp = derivedStamp(stamp, claims.jti);
    if (stamp === current) return made;
  }
  return null;
}

/**
 * The stamp after a change made from the token `jti`: 30 bits of a hash, so
 * that raises by one after it stay within a 32-bit integer column.
 */
function derivedStamp(stamp: number, jti: string): number {
  return (
    createHash("sha256").update(`tessera-stamp:${stamp}:${jti}`).digest().readUInt32BE(0) >>> 2
  );
}

function keysFor(
  secret: string | Uint8Array,
  publicKey: string | undefined,
  algorithm: JwtAlgorithm,
): { sign: KeyObject; verify: KeyObject } {
  const symmetric = algorithm.startsWith("HS");
  // Checked before the cache: a key is cached only once it passed.
  const bytes = symmetric ? secretBytes(secret, "JwtStrategy: secret") : null;
  if (!symmetric && typeof secret !== "string" && !(secret instanceof Uint8Array)) {
    throw new TypeError(`JwtStrategy: secret must be the ${algorithm} private key (PEM, PKCS#8)`);
  }
  const id = `${algorithm}\u0000${typeof secret === "string" ? secret : Buffer.from(secret).toString("base64")}\u0000${publicKey ?? ""}`;
  const known = keys.get(id);
  if (known) return known;
  let made: { sign: KeyObject; verify: KeyObject };
  if (bytes !== null) {
    const key = createSecretKey(bytes);
    made = { sign: key, verify: key };
  } else {
    if (publicKey === undefined) {
      throw new TypeError(
        `JwtStrategy: ${algorithm} needs publicKey (PEM, SPKI) beside the private key in secret`,
      );
    }
    made = {
      sign: createPrivateKey(typeof secret === "string" ? secret : Buffer.from(secret)),
      verify: createPublicKey(publicKey),
    };
  }
  keys.set(id, made);
  return made;
}
