import { hashToken } from "./tokens.js";

/** What is recorded of a session when it starts (each optional). */
export interface SessionInfo {
  /** The client's address. */
  ip?: string | null;
  /** The client's `User-Agent` header. */
  userAgent?: string | null;
  /** A name for the session. */
  label?: string | null;
  /**
   * How the session was proven (authentication methods references, as
   * OpenID Connect's `amr`): `"password"`, `"oauth:<provider>"`, and for a
   * second factor `"otp"`, `"recovery_code"`, `"passkey"`. Each is a
   * lower-case name, optionally `:` and a qualifier; see {@link storedSessionInfo}.
   */
  amr?: readonly string[] | null;
}

/** A session as its user (or a superuser) sees it: never its token. */
export interface Session {
  /** Public: knowing it lets nobody log in (a one-way function of the stored token). */
  id: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** When it stops working, or `null` for a session that never expires. */
  expiresAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  label: string | null;
  /** How it was proven (see {@link SessionInfo.amr}); empty for a session from before tessera recorded it. */
  amr: string[];
}

/** What is stored of a session's info: see {@link storedSessionInfo}. */
export interface StoredSessionInfo {
  ip: string | null;
  userAgent: string | null;
  label: string | null;
  /** Each method once, in the order given; empty when none was given. */
  amr: string[];
}

/** Longest values stored (the columns' sizes; `amr` space-separated). */
const LIMITS = { ip: 45, userAgent: 512, label: 100, amr: 100 } as const;

/** One authentication method: a lower-case name, optionally `:` and a qualifier (`oauth:google`). */
const AMR_METHOD = /^[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?$/;

/**
 * A session's public id: 128 bits of SHA-256 over the token's *stored* form
 * (itself SHA-256 of the token), base64url. Derived, not stored, so a FastAPI
 * Users table needs no new column for it, and one-way: the id reveals
 * nothing that logs in.
 */
export function sessionId(storedToken: string): string {
  return hashToken(`tessera-session:${storedToken}`).slice(0, 22);
}

/** A session id's shape: what a URL must hold before any lookup. */
export function isSessionId(value: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(value);
}

/**
 * What is stored of a session's info: each value cut to its column's size,
 * control characters dropped (a header cannot carry them, but a caller can).
 * `amr` is the application's, never the client's: each method is kept once,
 * and one not of the shape `name` or `name:qualifier` (see
 * {@link SessionInfo.amr}), or that does not fit the column (100 characters,
 * space-separated), throws a `TypeError`: a programming error.
 */
export function storedSessionInfo(info: SessionInfo = {}): StoredSessionInfo {
  return {
    ip: clean(info.ip, LIMITS.ip),
    userAgent: clean(info.userAgent, LIMITS.userAgent),
    label: clean(info.label, LIMITS.label),
    amr: cleanAmr(info.amr ?? []),
  };
}

function cleanAmr(amr: readonly string[]): string[] {
  const methods = [...new Set(amr)];
  for (const method of methods) {
    if (!AMR_METHOD.test(method)) {
      throw new TypeError(`amr method ${JSON.stringify(method)} must match ${AMR_METHOD}`);
    }
  }
  const length = encodeAmr(methods)?.length ?? 0;
  if (length > LIMITS.amr) {
    throw new TypeError(
      `amr ${JSON.stringify(methods)} takes ${length} characters stored; at most ${LIMITS.amr} fit`,
    );
  }
  return methods;
}

/** A session's methods as stored: space-separated, `null` for none. */
export function encodeAmr(amr: readonly string[] | undefined): string | null {
  return amr !== undefined && amr.length > 0 ? amr.join(" ") : null;
}

/** The methods of a stored `amr`; none for `null` (a session from before tessera recorded them). */
export function decodeAmr(stored: string | null | undefined): string[] {
  return stored ? stored.split(" ").filter((method) => method.length > 0) : [];
}

function clean(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
  const text = [...value.replace(/[\u0000-\u001f\u007f]/g, "")].slice(0, max).join("");
  return text.length > 0 ? text : null;
}
