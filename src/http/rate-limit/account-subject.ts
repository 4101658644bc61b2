import { emailCollationKey, normalizeEmail } from "../../users/email.js";

/**
 * The account an email names, as rate limits count it: normalised, then in
 * the form every spelling a database may match as the same address shares
 * ({@link emailCollationKey}), so `ki\u00ADm@…` and `ｋim@…` count as `kim@…`.
 */
export function emailSubject(raw: string): string {
  return emailCollationKey(normalizeEmail(raw) ?? raw.trim());
}

/**
 * The account a reset or verification token names (its `sub`), read without
 * checking the signature: only to count attempts per account, never to trust.
 * A token that is not a JWT counts as itself.
 */
export function tokenSubject(token: string): string {
  const payload = token.split(".")[1];
  if (payload !== undefined) {
    try {
      const { sub } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
        sub?: unknown;
      };
      if (typeof sub === "string") return `sub:${sub}`;
    } catch {
      // Not JSON: counted as the token itself.
    }
  }
  return `token:${token}`;
}
