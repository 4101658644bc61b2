import { UserManager } from "tessera-auth";
import { openIdConnectProvider } from "tessera-auth/oauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Idp, startIdp } from "../../demo/idp.js";
import { UnverifiedProviderEmail } from "../../src/oauth/provider-errors.js";
import { signInWithProvider } from "../../src/oauth/provider-sign-in.js";
import { memoryDatabase } from "../support/sqlite.js";

const CLIENT = {
  clientId: "provider-test",
  clientSecret: "provider-test-secret-0123456789abcdef",
  redirectUris: ["http://127.0.0.1:8000/auth/oidc/callback"],
};

let idp: Idp;
beforeAll(async () => {
  idp = await startIdp({ clients: [CLIENT] });
});
afterAll(async () => {
  await idp?.close();
});

describe("openIdConnectProvider", () => {
  it("adds authorizationParams to the authorization request, after discovery at the issuer", async () => {
    const provider = openIdConnectProvider({
      issuer: idp.issuer,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      authorizationParams: { access_type: "offline", prompt: "consent" },
    });
    const url = await provider.authorizationUrl({
      redirectUri: CLIENT.redirectUris[0] as string,
      state: "s",
      codeChallenge: "c".repeat(43),
      nonce: "n",
      scopes: ["offline_access"],
    });
    expect(url.origin).toBe(idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      access_type: "offline",
      prompt: "consent",
      scope: "openid email profile offline_access",
      code_challenge_method: "S256",
      client_id: CLIENT.clientId,
    });
  });

  it("refuses at construction authorizationParams that would change the flow's own", () => {
    expect(() =>
      openIdConnectProvider({
        issuer: idp.issuer,
        clientId: "x",
        clientSecret: "y",
        authorizationParams: { code_challenge_method: "plain" },
      }),
    ).toThrow(/authorizationParams cannot set "code_challenge_method"/);
  });
});

describe("signInWithProvider", () => {
  it("keeps the stored refresh token when the provider sends none (Google sends one at first consent only)", async () => {
    const db = await memoryDatabase();
    try {
      const manager = new UserManager(db.users);
      const store = { accounts: db.oauthAccounts, cipher: null };
      const identity = (refreshToken: string | null) => ({
        accountId: "sub-1",
        email: "ada@example.com",
        emailVerified: true,
        tokens: { accessToken: `access-${refreshToken}`, refreshToken, expiresAt: null },
      });
      const options = { associateByEmail: false, isVerifiedByDefault: true };
      const first = await signInWithProvider(manager, store, "oidc", identity("r1"), options);
      expect(first.outcome).toBe("created");
      expect(first.user.isVerified).toBe(true);
      const again = await signInWithProvider(manager, store, "oidc", identity(null), options);
      expect(again).toMatchObject({ outcome: "existing", user: { id: first.user.id } });
      expect(await db.oauthAccounts.getByAccount("oidc", "sub-1")).toMatchObject({
        accessToken: "access-null",
        refreshToken: "r1",
      });
      await signInWithProvider(manager, store, "oidc", identity("r2"), options);
      expect(await db.oauthAccounts.getByAccount("oidc", "sub-1")).toMatchObject({
        refreshToken: "r2",
      });
    } finally {
      await db.db.destroy();
    }
  });

  it("an unverified email makes no user, unless allowUnverifiedEmails; then an unverified one", async () => {
    const db = await memoryDatabase();
    try {
      const manager = new UserManager(db.users);
      const store = { accounts: db.oauthAccounts, cipher: null };
      const identity = {
        accountId: "sub-2",
        email: "bea@example.com",
        emailVerified: false,
        tokens: { accessToken: "a", refreshToken: null, expiresAt: null },
      };
      const options = { associateByEmail: true, isVerifiedByDefault: true };
      await expect(signInWithProvider(manager, store, "oidc", identity, options)).rejects.toThrow(
        UnverifiedProviderEmail,
      );
      expect(await db.users.getByEmail("bea@example.com")).toBeNull();
      const made = await signInWithProvider(manager, store, "oidc", identity, {
        ...options,
        allowUnverifiedEmails: true,
      });
      expect(made).toMatchObject({ outcome: "created", user: { isVerified: false } });
    } finally {
      await db.db.destroy();
    }
  });

  it("two first sign-ins of one account at once make one user, both signed in to it", async () => {
    const db = await memoryDatabase();
    try {
      const manager = new UserManager(db.users);
      const store = { accounts: db.oauthAccounts, cipher: null };
      const identity = {
        accountId: "sub-3",
        email: "cy@example.com",
        emailVerified: true,
        tokens: { accessToken: "a", refreshToken: null, expiresAt: null },
      };
      const options = { associateByEmail: true, isVerifiedByDefault: true };
      const [a, b] = await Promise.all([
        signInWithProvider(manager, store, "oidc", identity, options),
        signInWithProvider(manager, store, "oidc", identity, options),
      ]);
      expect(a.user.id).toBe(b.user.id);
      expect(await db.users.get(a.user.id)).not.toBeNull();
      expect(await db.oauthAccounts.listByUser(a.user.id)).toHaveLength(1);
    } finally {
      await db.db.destroy();
    }
  });
});
