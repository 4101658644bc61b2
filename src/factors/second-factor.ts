/**
 * A user's TOTP secret (RFC 6238): at most one per user, pending until the
 * user proves it with a first code, then confirmed.
 */
export interface TotpSecret<ID = string> {
  userId: ID;
  /** The secret as stored: encrypted text, opaque to the store. */
  secret: string;
  /** When the user confirmed it with a first code; `null` while enrolling. */
  confirmedAt: Date | null;
  /** The last time step a code was accepted for (replay guard); `null` before the first. */
  lastUsedStep: number | null;
  createdAt: Date;
}

/** A WebAuthn credential (a passkey or a security key) registered by a user. */
export interface Passkey<ID = string> {
  /** The credential id, base64url: unique among all users. */
  id: string;
  userId: ID;
  /** The credential's public key (COSE), base64url. */
  publicKey: string;
  /** The authenticator's signature counter at its last use (0: it keeps none). */
  counter: number;
  /** How the browser may reach the authenticator (`internal`, `usb`, `hybrid`, …). */
  transports: string[];
  /** The user's name for it. */
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** The credential is backed up (synced to other devices). */
  backedUp: boolean;
  /** `singleDevice` or `multiDevice`, as the authenticator said at registration. */
  deviceType: string;
}

/** What registering a passkey stores. */
export type PasskeyCreate<ID = string> = Omit<Passkey<ID>, "lastUsedAt">;

/** Which second factors a user has, read in one query at login. */
export interface SecondFactors {
  /** A confirmed TOTP secret (a pending one does not count). */
  totp: boolean;
  /** How many passkeys. */
  passkeys: number;
  /** How many unused recovery codes. */
  recoveryCodes: number;
}

/** The user must prove a second factor: a confirmed TOTP or a passkey (recovery codes alone are not one). */
export function hasSecondFactor(factors: SecondFactors): boolean {
  return factors.totp || factors.passkeys > 0;
}
