import { InvalidPasswordException } from "../core/errors.js";

/** The fewest characters (code points) a password may have, as NIST SP 800-63B requires. */
export const PASSWORD_MIN_LENGTH = 8;

/**
 * The most characters (code points) a password may have. Long passphrases are
 * welcome (NIST SP 800-63B asks for at least 64); the cap bounds what one
 * request makes the server hash, including through `UserManager` called
 * directly, where no body size limit applies.
 */
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * The `UserManager`'s password rule unless `validatePassword` replaces it
 * (NIST SP 800-63B): at least {@link PASSWORD_MIN_LENGTH} characters and at
 * most {@link PASSWORD_MAX_LENGTH}, counted in code points (an emoji is one
 * character, as the user sees it); any characters, spaces included; and not
 * the user's email address or the part before its `@`, ignoring case (the
 * first guess of anyone who knows the address). Throws
 * {@link InvalidPasswordException} with the reason the client is shown.
 *
 * @example
 * // A stricter rule that keeps this one: call it first.
 * new UserManager(users, {
 *   async validatePassword(password, user) {
 *     defaultPasswordPolicy(password, user);
 *     if (await isBreached(password)) throw new InvalidPasswordException("Password has appeared in a data breach");
 *   },
 * });
 */
export function defaultPasswordPolicy(password: string, user: { readonly email: string }): void {
  const length = codePoints(password, PASSWORD_MAX_LENGTH + 1);
  if (length < PASSWORD_MIN_LENGTH) {
    throw new InvalidPasswordException(
      `Password should be at least ${PASSWORD_MIN_LENGTH} characters`,
    );
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new InvalidPasswordException(
      `Password should be at most ${PASSWORD_MAX_LENGTH} characters`,
    );
  }
  const email = folded(user.email);
  const at = email.lastIndexOf("@");
  const typed = folded(password);
  if (typed === email || (at > 0 && typed === email.slice(0, at))) {
    throw new InvalidPasswordException("Password should not be the e-mail address");
  }
}

/** The number of code points in `text`, counting no further than `limit`. */
function codePoints(text: string, limit: number): number {
  let count = 0;
  for (const _ of text) if (++count >= limit) break;
  return count;
}

/** Compared ignoring case and compatibility forms (`ＡＬＩＣＥ` is `alice`). */
function folded(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}
