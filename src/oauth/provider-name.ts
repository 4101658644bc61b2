/** A provider's name: a URL segment (`/auth/{name}`) and a column value (`oauth_name`). */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,49}$/;

/** The name, or a TypeError saying what a name may be. */
export function checkProviderName(name: string): string {
  if (typeof name !== "string" || !PROVIDER_NAME.test(name)) {
    throw new TypeError(
      `OAuth provider name "${name}" must be 1–50 lower-case letters, digits, "-" or "_"`,
    );
  }
  return name;
}
