import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { type Clock, systemClock } from "../clock.js";
import { UserNotExists } from "../errors.js";
import type { User } from "../models.js";
import { secretBytes } from "../secret-bytes.js";
import type { UserManager } from "../user-manager.js";
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

// Process scope: a strategy built per request (the seed's factory) imports each key once.
const keys = new Map<string, { sign: KeyObject; verify: KeyObject }>();

/**
 * FastAPI Users' JWT strategy: a token is a signed `{sub, aud, exp}`; reading
 * it costs a signature check and one user lookup, and no token is stored.
 *
 * **A JWT cannot be revoked before it expires**: logout answers 204 and the
 * token keeps working until `exp` (keep `lifetimeSeconds` short). One
 * exception: tessera writes the user's security stamp in the token
 * (`tessera_stamp`), so a new password, a new email or a deactivation ends
 * every JWT issued before it. Sessions cannot be listed or ended one by one.
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
    if (token === null || token.length > MAX_TOKEN_LENGTH) return null;
    let claims: { sub?: unknown; tessera_stamp?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(token, this.#keys.verify, {
        algorithms: [this.algorithm],
        audience: this.audience,
        currentDate: this.#clock(),
        requiredClaims: this.lifetimeSeconds === null ? ["sub"] : ["sub", "exp"],
      }));
    } catch {
      return null;
    }
    if (typeof claims.sub !== "string") return null;
    const id = userManager.parseId(claims.sub);
    if (id === null) return null;
    let user: U;
    try {
      user = await userManager.get(id);
    } catch (error) {
      if (error instanceof UserNotExists) return null;
      throw error;
    }
    // FastAPI Users' tokens carry no stamp: they are as old as stamp 0.
    const stamp = claims.tessera_stamp ?? 0;
    return stamp === user.securityStamp ? user : null;
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
