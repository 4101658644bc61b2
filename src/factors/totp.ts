import { Secret, TOTP } from "otpauth";

/** What every authenticator app reads (Google Authenticator ignores other values): SHA-1, 6 digits, 30 s. */
const ALGORITHM = "SHA1";
const DIGITS = 6;
const PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one: a clock 30 s off, or a code typed as it turned. */
const WINDOW = 1;
/** RFC 4226 §4: a shared secret of at least 128 bits. */
const MIN_SECRET_BYTES = 16;
/** Longer than any code typed with spaces: refused before any work. */
const MAX_CODE_LENGTH = 16;

/** What a TOTP code proves: its time step (store it, compare-and-set, as the user's last used), or why not. */
export type TotpCheck =
  | { ok: true; step: number }
  | { ok: false; reason: "malformed" | "wrong" | "replayed" };

/** A new shared secret: 20 random bytes (HMAC-SHA-1's block of entropy), base32 without padding. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/**
 * The `otpauth://totp/<issuer>:<account>?secret=…&issuer=…` URI that
 * authenticator apps scan (Google Authenticator's key URI format). Neither the
 * issuer nor the account may hold a colon: the label would be ambiguous.
 */
export function otpauthUrl(options: { secret: string; issuer: string; account: string }): string {
  const { secret, issuer, account } = options;
  for (const [name, value] of [
    ["issuer", issuer],
    ["account", account],
  ] as const) {
    if (value.length === 0 || value.includes(":")) {
      throw new TypeError(
        `otpauthUrl: ${name} must be non-empty without ":" (got ${JSON.stringify(value)})`,
      );
    }
  }
  return new TOTP({
    issuer,
    label: account,
    secret: secretOf(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

/**
 * Checks a code against a base32 secret at `now`: the current step or one
 * either side. A code whose step is at or before `lastUsedStep` (the step of
 * the last code accepted, `null` for none) is `replayed`. The code is exactly
 * six ASCII digits; spaces are dropped first (apps show `123 456`), anything
 * else is `malformed`. otpauth compares with `crypto.timingSafeEqual`.
 */
export function checkTotpCode(
  secret: string,
  code: string,
  now: Date,
  lastUsedStep: number | null,
): TotpCheck {
  const token = code.length > MAX_CODE_LENGTH ? "" : code.replaceAll(" ", "");
  if (!/^[0-9]{6}$/.test(token)) return { ok: false, reason: "malformed" };
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token,
    secret: secretOf(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
    timestamp,
    window: WINDOW,
  });
  if (delta === null) return { ok: false, reason: "wrong" };
  const step = TOTP.counter({ period: PERIOD_SECONDS, timestamp }) + delta;
  if (lastUsedStep !== null && step <= lastUsedStep) return { ok: false, reason: "replayed" };
  return { ok: true, step };
}

/** The secret's bytes, or a TypeError: a stored secret that is not base32 or too short is a bug, not a wrong code. */
function secretOf(base32: string): Secret {
  const secret = Secret.fromBase32(base32);
  if (secret.bytes.length < MIN_SECRET_BYTES) {
    throw new TypeError(
      `TOTP secret must be at least ${MIN_SECRET_BYTES} bytes (got ${secret.bytes.length})`,
    );
  }
  return secret;
}
