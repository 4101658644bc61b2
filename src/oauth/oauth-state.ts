import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { secretBytes } from "../core/secret-bytes.js";
import { SignedTokens } from "../core/signed-tokens.js";

/** Which flow a state belongs to: signing in, or linking an account to the signed-in user. */
export type OAuthFlowKind = "sign-in" | "associate";

/** A sign-in's start: the state for the provider, the browser's cookie, and what PKCE and OIDC send. */
export interface IssuedState {
  state: string;
  /** The value of the browser's state cookie: what binds the state to this browser. */
  cookie: string;
  codeChallenge: string;
  nonce: string;
}

/** A state that checked out: what the callback sends and checks against, and its id for single use. */
export interface CheckedState {
  /** The state's own id, claimed once by the caller. */
  id: string;
  codeVerifier: string;
  nonce: string;
}

export interface OAuthStatesOptions {
  /** Signs states and derives PKCE verifiers: at least 32 bytes. */
  secret: string | Uint8Array;
  provider: string;
  flow: OAuthFlowKind;
  /** @default 600 */
  lifetimeSeconds?: number;
  clock?: Clock;
}

/**
 * OAuth `state`, stricter than FastAPI Users' signed state: short-lived,
 * signed for one provider and one flow, bound to the browser that started
 * it (the state carries a hash of a random cookie only that browser holds:
 * login CSRF), and to a user for the associate flow. The PKCE verifier is
 * derived from the cookie and the state's id under a key of the server's, so
 * it is never in a URL and needs no storage; the caller claims the state's
 * id once, so a state serves one callback.
 */
export class OAuthStates {
  readonly #tokens: SignedTokens;
  readonly #verifierKey: Buffer;

  constructor(options: OAuthStatesOptions) {
    const { secret, provider, flow, lifetimeSeconds = 600, clock } = options;
    const bytes = secretBytes(secret, "OAuth stateSecret");
    this.#tokens = new SignedTokens({
      secret: bytes,
      audience: `tessera:oauth-state:${flow}:${provider}`,
      lifetimeSeconds,
      clock,
      optionNames: { secret: "OAuth stateSecret", lifetimeSeconds: "OAuth stateLifetimeSeconds" },
    });
    this.#verifierKey = Buffer.from(
      hkdfSync("sha256", bytes, new Uint8Array(0), "tessera oauth pkce verifier", 32),
    );
  }

  get lifetimeSeconds(): number {
    return this.#tokens.lifetimeSeconds;
  }

  /** A new state for `subject` (the user's id when linking, `""` when signing in). */
  async issue(subject: string): Promise<IssuedState> {
    const cookie = randomBytes(32).toString("base64url");
    const id = randomBytes(16).toString("base64url");
    const nonce = randomBytes(16).toString("base64url");
    const state = await this.#tokens.sign({
      sub: subject || "-",
      jti: id,
      nonce,
      bnd: digest(cookie),
    });
    const codeChallenge = createHash("sha256")
      .update(this.#verifier(cookie, id))
      .digest("base64url");
    return { state, cookie, codeChallenge, nonce };
  }

  /**
   * The state's binding, when it is one of ours, unexpired, for this
   * browser's cookie and this subject; `null` otherwise.
   */
  async check(state: string, cookie: string | null, subject: string): Promise<CheckedState | null> {
    if (!cookie) return null;
    const claims = await this.#tokens.read(state);
    if (claims === null) return null;
    const { jti, nonce, bnd, sub } = claims;
    if (typeof jti !== "string" || typeof nonce !== "string" || typeof bnd !== "string") {
      return null;
    }
    if (!sameText(bnd, digest(cookie)) || !sameText(String(sub), subject || "-")) return null;
    return { id: jti, codeVerifier: this.#verifier(cookie, jti), nonce };
  }

  /** A PKCE verifier (43 characters): HMAC of the cookie and the state's id. */
  #verifier(cookie: string, id: string): string {
    return createHmac("sha256", this.#verifierKey).update(`${cookie}.${id}`).digest("base64url");
  }
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
