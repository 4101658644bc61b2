import { hashToken } from "./tokens.js";

/** What is recorded of a session when it starts (each optional). */
export interface SessionInfo {
  /** The client's address. */
  ip?: string | null;
  /** The client's `User-Agent` header. */
  userAgent?: string | null;
  /** A name for the session. */
  label?: string | null;
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
}

/** Longest values stored (the columns' sizes). */
const LIMITS = { ip: 45, userAgent: 512, label: 100 } as const;

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
 */
export function storedSessionInfo(info: SessionInfo = {}): Required<SessionInfo> {
  return {
    ip: clean(info.ip, LIMITS.ip),
    userAgent: clean(info.userAgent, LIMITS.userAgent),
    label: clean(info.label, LIMITS.label),
  };
}

function clean(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
  const text = [...value.replace(/[\u0000-\u001f\u007f]/g, "")].slice(0, max).join("");
  return text.length > 0 ? text : null;
}
