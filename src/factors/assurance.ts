/** Authenticator assurance level: 1 (one factor) or 2 (two factors, or a multi-factor authenticator). */
export type Aal = 1 | 2;

/** The `amr` methods of a second factor: something held, proven on its own. */
const SECOND_FACTORS = new Set(["otp", "recovery_code", "passkey"]);

/**
 * The assurance level a session's `amr` proves. NIST SP 800-63B §4.2 (AAL2):
 * proof of two distinct factors, or one multi-factor authenticator. Here a
 * first factor (`password`, or `oauth:<provider>` standing for the provider's
 * sign-in) with a second (`otp`, `recovery_code`, `passkey`) is 2; a passkey
 * alone is 2, being a multi-factor cryptographic authenticator (§5.1.9: the
 * device held, unlocked by biometric or PIN), so record `passkey` only for an
 * assertion whose user-verified (UV) flag is set; anything else is 1.
 */
export function assuranceLevel(amr: readonly string[]): Aal {
  if (amr.includes("passkey")) return 2;
  const first = amr.some((method) => method === "password" || method.startsWith("oauth:"));
  const second = amr.some((method) => SECOND_FACTORS.has(method));
  return first && second ? 2 : 1;
}
