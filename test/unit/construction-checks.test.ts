import {
  AuthenticationBackend,
  BearerTransport,
  JwtStrategy,
  oauthAssociateRoutes,
  oauthRoutes,
  resetPasswordRoutes,
  SignedTokens,
  Tessera,
  type User,
  UserManager,
  verifyRoutes,
} from "tessera-auth";
import { openIdConnectProvider } from "tessera-auth/oauth";
import { describe, expect, it } from "vitest";
import { memoryDatabase } from "../support/sqlite.js";

type U = User<string>;
const GOOD_SECRET = "a-secret-of-at-least-thirty-two-bytes";
const FIX = "generate one with: openssl rand -base64 32";

/** The message of what `build` throws, checked to be one line. */
function thrown(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("nothing was thrown");
}

describe("misconfiguration stops the app at construction, naming the option and the fix", () => {
  it("JwtStrategy refuses a short or missing secret", () => {
    expect(thrown(() => new JwtStrategy({ secret: "short-secret", lifetimeSeconds: 900 }))).toBe(
      `JwtStrategy: secret must be at least 32 bytes (got 12); ${FIX}`,
    );
    const missing = thrown(
      () => new JwtStrategy({ secret: undefined as unknown as string, lifetimeSeconds: 900 }),
    );
    expect(missing).toBe(`JwtStrategy: secret is missing (got undefined); ${FIX}`);
    expect(() => new JwtStrategy({ secret: "", lifetimeSeconds: 900 })).toThrow(RangeError);
    expect(thrown(() => new JwtStrategy({ secret: GOOD_SECRET, lifetimeSeconds: 0 }))).toBe(
      "JwtStrategy: lifetimeSeconds must be a positive integer or null (got 0)",
    );
    expect(
      thrown(
        () => new JwtStrategy({ secret: GOOD_SECRET, lifetimeSeconds: 9, algorithm: "RS256" }),
      ),
    ).toMatch(/^JwtStrategy: RS256 needs publicKey/);
  });

  it("a backend whose strategy factory takes no argument is built once, so a bad strategy throws now", () => {
    const backend = () =>
      new AuthenticationBackend<U, string>({
        name: "jwt",
        transport: new BearerTransport({ tokenUrl: "auth/login" }),
        getStrategy: () => new JwtStrategy({ secret: "short-secret", lifetimeSeconds: 900 }),
      });
    expect(thrown(backend)).toMatch(/^JwtStrategy: secret must be at least 32 bytes \(got 12\)/);
  });

  it("UserManager and SignedTokens name the secret that is too short", async () => {
    const { users } = await memoryDatabase();
    expect(thrown(() => new UserManager(users, { resetPasswordTokenSecret: "x".repeat(31) }))).toBe(
      `UserManager: resetPasswordTokenSecret must be at least 32 bytes (got 31); ${FIX}`,
    );
    expect(thrown(() => new UserManager(users, { verificationTokenSecret: "short" }))).toBe(
      `UserManager: verificationTokenSecret must be at least 32 bytes (got 5); ${FIX}`,
    );
    expect(
      thrown(
        () =>
          new UserManager(users, {
            resetPasswordTokenSecret: GOOD_SECRET,
            resetPasswordTokenLifetimeSeconds: -1,
          }),
      ),
    ).toBe("UserManager: resetPasswordTokenLifetimeSeconds must be a positive integer (got -1)");
    expect(
      thrown(() => new SignedTokens({ secret: "short", audience: "a", lifetimeSeconds: 60 })),
    ).toBe(`SignedTokens: secret must be at least 32 bytes (got 5); ${FIX}`);
  });

  it("reset-password and verify routes refuse a shared manager without their secret", async () => {
    const { users, accessTokens } = await memoryDatabase();
    const backend = new AuthenticationBackend<U, string>({
      name: "database",
      transport: new BearerTransport({ tokenUrl: "auth/login" }),
      getStrategy: () => ({ accessTokens }) as never,
    });
    const tesseraOf = (manager: UserManager<U, string>) =>
      new Tessera<U, string>({ getUserManager: () => manager, backends: [backend] });
    const bare = tesseraOf(new UserManager(users));
    expect(thrown(() => resetPasswordRoutes(bare))).toBe(
      `resetPasswordRoutes: UserManager: resetPasswordTokenSecret is not set, and password reset needs it; ${FIX}`,
    );
    expect(thrown(() => verifyRoutes(bare))).toBe(
      `verifyRoutes: UserManager: verificationTokenSecret is not set, and email verification needs it; ${FIX}`,
    );
    const both = tesseraOf(
      new UserManager(users, {
        resetPasswordTokenSecret: GOOD_SECRET,
        verificationTokenSecret: GOOD_SECRET,
      }),
    );
    expect(resetPasswordRoutes(both)).toHaveLength(2);
    expect(verifyRoutes(both)).toHaveLength(2);
  });

  it("the OAuth routes refuse, at mounting, a missing store, a weak secret or key, a relative redirect URL", async () => {
    const { users, accessTokens, oauthAccounts } = await memoryDatabase();
    const backend = new AuthenticationBackend<U, string>({
      name: "database",
      transport: new BearerTransport({ tokenUrl: "auth/login" }),
      getStrategy: () => ({ accessTokens }) as never,
    });
    const tessera = new Tessera<U, string>({
      getUserManager: () => new UserManager(users),
      backends: [backend],
    });
    const provider = openIdConnectProvider({
      name: "google",
      issuer: "https://accounts.google.com",
      clientId: "id",
      clientSecret: "secret",
    });
    const good = {
      accounts: oauthAccounts,
      stateSecret: GOOD_SECRET,
      redirectUrl: "https://app.example.com/auth/google/callback",
    };
    expect(oauthRoutes(tessera, backend, provider, good)).toHaveLength(2);
    expect(oauthAssociateRoutes(tessera, provider, good)).toHaveLength(2);
    expect(
      thrown(() =>
        oauthRoutes(tessera, backend, provider, { ...good, accounts: undefined as never }),
      ),
    ).toBe(`OAuth routes for "google": accounts is missing (the adapter's oauthAccounts)`);
    expect(
      thrown(() => oauthRoutes(tessera, backend, provider, { ...good, stateSecret: "short" })),
    ).toBe(`OAuth stateSecret must be at least 32 bytes (got 5); ${FIX}`);
    expect(
      thrown(() => oauthAssociateRoutes(tessera, provider, { ...good, tokenEncryptionKey: "k" })),
    ).toBe(`OAuth tokenEncryptionKey must be at least 32 bytes (got 1); ${FIX}`);
    expect(
      thrown(() =>
        oauthRoutes(tessera, backend, provider, { ...good, redirectUrl: "/auth/google/callback" }),
      ),
    ).toBe(
      'OAuth routes for "google": redirectUrl must be the callback\'s absolute http(s) URL, as registered at the provider (got "/auth/google/callback")',
    );
    // Never derived from a request (its Host header).
    const { redirectUrl: _, ...withoutRedirect } = good;
    expect(thrown(() => oauthRoutes(tessera, backend, provider, withoutRedirect as never))).toMatch(
      /redirectUrl must be the callback's absolute http\(s\) URL.*\(got undefined\)$/,
    );
  });
});
