/** A person who can sign in at the demo's OpenID provider. */
export interface IdpUser {
  /** The subject: stable across restarts, so an app's link to it survives them. */
  sub: string;
  /** Omitted: the provider's tokens carry no `email` nor `email_verified` claim. */
  email?: string;
  /** What is typed in the login form's "Email" field to sign in as this user. @default email */
  username?: string;
  /** The `email_verified` claim (when the user has an email). */
  emailVerified?: boolean;
  name: string;
  password: string;
}

/** The provider's users by default (the `npm run idp` banner prints them). */
export const testUsers: readonly IdpUser[] = [
  {
    sub: "alice-7f3a9c2e",
    email: "alice@example.com",
    emailVerified: true,
    name: "Alice Example",
    password: "alice-password",
  },
  {
    sub: "bob-2d81b6f4",
    email: "bob@example.com",
    emailVerified: false,
    name: "Bob Example",
    password: "bob-password",
  },
  {
    sub: "carol-94e0a51d",
    email: "carol@example.com",
    emailVerified: true,
    name: "Carol Example",
    password: "carol-password",
  },
];

/** The claims a user's tokens and userinfo carry (oidc-provider masks them by scope). */
export function claimsOf(user: IdpUser): Record<string, unknown> & { sub: string } {
  return {
    sub: user.sub,
    name: user.name,
    ...(user.email === undefined
      ? {}
      : { email: user.email, email_verified: user.emailVerified ?? false }),
  };
}
