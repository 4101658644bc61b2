/**
 * A database URL fit for logs: its password, in the user info or in a
 * `password=` query parameter, becomes `***`; a URL without one is returned as is.
 *
 * @example
 * ```ts
 * redactUrl("postgres://app:s3cret@db:5432/app"); // "postgres://app:***@db:5432/app"
 * redactUrl("sqlite:tessera.db"); // "sqlite:tessera.db"
 * ```
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#:@]*):[^/?#]*@/i, "$1:***@")
    .replace(/([?&]password=)[^&#]*/gi, "$1***");
}
