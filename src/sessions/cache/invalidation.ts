/**
 * What one instance tells the others when a write ends or changes sessions:
 * which cached entries to drop. On the wire it is a short string (a kind
 * letter, a colon, the key), so every channel carries it as is.
 */
export type Invalidation =
  /** One session, by its stored token (the hash, never the token a client holds). */
  | { kind: "token"; key: string }
  /** Every session of a user (credentials changed, deactivated, deleted, sessions ended). */
  | { kind: "user"; key: string }
  /** Every access token of a refresh-token family (rotated or revoked). */
  | { kind: "family"; key: string }
  /** Everything (an instance could not tell the others in time). */
  | { kind: "all" };

const PREFIX = { token: "t", user: "u", family: "f" } as const;
const KIND = { t: "token", u: "user", f: "family" } as const;

export function encodeInvalidation(invalidation: Invalidation): string {
  return invalidation.kind === "all" ? "*" : `${PREFIX[invalidation.kind]}:${invalidation.key}`;
}

/** The invalidation a message carries, or `null` for a message that is not one. */
export function decodeInvalidation(message: string): Invalidation | null {
  if (message === "*") return { kind: "all" };
  const kind = KIND[message.slice(0, 1) as keyof typeof KIND];
  if (kind === undefined || message[1] !== ":" || message.length < 3) return null;
  return { kind, key: message.slice(2) };
}
