import {
  AuthenticationBackend,
  BearerTransport,
  CookieTransport,
  DatabaseStrategy,
  InvalidPasswordException,
  InvalidResetPasswordToken,
  InvalidVerifyToken,
  type RevokeOptions,
  StaleUser,
  Tessera,
  type User,
  UserAlreadyVerified,
  UserInactive,
  UserManager,
} from "tessera-auth";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cheapPasswords, memoryDatabase } from "../support/sqlite.js";

type U = User<string>;
const SECRET = "unit-secret-unit-secret-unit-secret-0123";

describe("UserManager: reset password and verify", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;
  let delivered: string[];
  let manager: UserManager<U>;

  beforeEach(async () => {
    db = await memoryDatabase();
    delivered = [];
    manager = new UserManager(db.users, {
      passwordHelper: cheapPasswords(),
      resetPasswordTokenSecret: SECRET,
      verificationTokenSecret: SECRET,
      validatePassword(password) {
        if (password.length < 8) throw new InvalidPasswordException("too short");
      },
      hooks: {
        onAfterForgotPassword: (user, token) => void delivered.push(`reset ${user.email} ${token}`),
        onAfterResetPassword: (user) => void delivered.push(`was reset ${user.email}`),
        onAfterRequestVerify: (user, token) => void delivered.push(`verify ${user.email} ${token}`),
        onAfterVerify: (user) => void delivered.push(`verified ${user.email}`),
      },
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const tokenOf = (line: string | undefined) => line?.split(" ").at(-1) as string;

  it("forgotPassword → resetPassword, with hooks, once", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    await manager.forgotPassword(user);
    const token = tokenOf(delivered[0]);
    const updated = await manager.resetPassword(token, "difference engine");
    expect(updated.hashedPassword).not.toBe(user.hashedPassword);
    expect(delivered.at(-1)).toBe("was reset ada@example.com");
    await expect(manager.resetPassword(token, "another password")).rejects.toBeInstanceOf(
      InvalidResetPasswordToken,
    );
    expect(
      await manager.authenticate({ email: "ada@example.com", password: "difference engine" }),
    ).not.toBeNull();
  });

  it("refuses inactive users and invalid passwords", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    await manager.forgotPassword(user);
    const token = tokenOf(delivered[0]);
    await expect(manager.resetPassword(token, "short")).rejects.toBeInstanceOf(
      InvalidPasswordException,
    );
    const inactive = (await db.users.update(user, { isActive: false })) as typeof user;
    await expect(manager.forgotPassword(inactive)).rejects.toBeInstanceOf(UserInactive);
    await expect(manager.resetPassword(token, "long enough")).rejects.toBeInstanceOf(UserInactive);
  });

  it("requestVerify → verify; already verified is refused both ways", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    await manager.requestVerify(user);
    const token = tokenOf(delivered[0]);
    const verified = await manager.verify(token);
    expect(verified.isVerified).toBe(true);
    expect(delivered.at(-1)).toBe("verified ada@example.com");
    await expect(manager.verify(token)).rejects.toBeInstanceOf(UserAlreadyVerified);
    await expect(manager.requestVerify(verified)).rejects.toBeInstanceOf(UserAlreadyVerified);
    await expect(manager.verify("junk")).rejects.toBeInstanceOf(InvalidVerifyToken);
  });

  it("the HTTP flows start the delivery hook without waiting for it, and log its failure", async () => {
    let finish: () => void = () => {};
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const slow = new UserManager(db.users, {
      resetPasswordTokenSecret: SECRET,
      verificationTokenSecret: SECRET,
      hooks: {
        onAfterForgotPassword: () => new Promise<void>((resolve) => (finish = resolve)),
        onAfterRequestVerify: async () => {
          throw new Error("SMTP down");
        },
      },
    });
    await manager.create({ email: "ada@example.com", password: "analytical" });
    // Resolves although the hook has not finished.
    await slow.requestPasswordReset("ada@example.com");
    finish();
    await slow.requestVerification("ada@example.com");
    await vi.waitFor(() => expect(errors).toHaveBeenCalledTimes(1));
    expect(String(errors.mock.calls[0]?.[0])).toContain("onAfterRequestVerify");
    // Unknown emails do the same work and start nothing.
    await slow.requestPasswordReset("nobody@example.com");
    await slow.requestVerification("nobody@example.com");
  });

  it("without secrets, reset and verify throw a clear TypeError", async () => {
    const bare = new UserManager(db.users, { passwordHelper: cheapPasswords() });
    const user = await bare.create({ email: "ada@example.com", password: "analytical" });
    await expect(bare.forgotPassword(user)).rejects.toThrow(/resetPasswordTokenSecret/);
    await expect(bare.requestVerify(user)).rejects.toThrow(/verificationTokenSecret/);
    await expect(bare.requestPasswordReset("ada@example.com")).rejects.toThrow(TypeError);
  });
});

describe("Tessera: revocation on a credential change", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;

  beforeEach(async () => {
    db = await memoryDatabase();
  });

  function build() {
    const strategy = new DatabaseStrategy<U>(db.accessTokens, { lifetimeSeconds: 3600 });
    const calls: string[] = [];
    const counted = Object.assign(Object.create(strategy), {
      destroyAllTokens: (user: U, options?: RevokeOptions) => {
        calls.push(user.email);
        return strategy.destroyAllTokens(user, options);
      },
    });
    const backends = [
      new AuthenticationBackend<U>({
        name: "a",
        transport: new BearerTransport(),
        getStrategy: () => counted,
      }),
      new AuthenticationBackend<U>({
        name: "b",
        transport: new CookieTransport(),
        getStrategy: () => counted,
      }),
    ];
    const manager = new UserManager(db.users, { passwordHelper: cheapPasswords() });
    const tessera = new Tessera<U>({ getUserManager: () => manager, backends });
    return { tessera, strategy, manager, calls };
  }

  const makeUser = () =>
    db.users.create({
      email: "ada@example.com",
      hashedPassword: "x",
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });

  it("a new password ends every session at once; the kept one moves to the new stamp", async () => {
    const { tessera, strategy, manager, calls } = build();
    const user = await makeUser();
    const kept = await strategy.writeToken(user);
    const gone = await strategy.writeToken(user);
    const updated = await manager.update({ password: "a new password" }, user);
    expect(updated.securityStamp).toBe(user.securityStamp + 1);
    // Dead before any row is deleted: the lookup compares stamps.
    expect(await strategy.readToken(gone)).toBeNull();
    expect(await strategy.readToken(kept)).toBeNull();
    await tessera.credentialsChanged(undefined, user, updated, { keep: kept });
    expect(calls).toEqual(["ada@example.com"]);
    expect(await strategy.readToken(kept)).toMatchObject({ id: user.id });
    expect(await strategy.readToken(gone)).toBeNull();
    expect((await db.accessTokens.listByUser(user.id, null)).length).toBe(1);
  });

  it("a change that ends no session (a flag) revokes nothing", async () => {
    const { tessera, strategy, manager, calls } = build();
    const user = await makeUser();
    const token = await strategy.writeToken(user);
    const updated = await manager.update({ isSuperuser: true }, user);
    expect(updated.securityStamp).toBe(user.securityStamp);
    await tessera.credentialsChanged(undefined, user, updated);
    expect(calls).toEqual([]);
    expect(await strategy.readToken(token)).toMatchObject({ isSuperuser: true });
    await tessera.revokeAllTokens(undefined, updated);
    expect(await strategy.readToken(token)).toBeNull();
  });

  it("an update from a stale read throws StaleUser and writes nothing", async () => {
    const { manager } = build();
    const user = await makeUser();
    await manager.update({ email: "ada@example.org" }, user);
    await expect(manager.update({ isSuperuser: true }, user)).rejects.toBeInstanceOf(StaleUser);
    expect(await db.users.get(user.id)).toMatchObject({
      email: "ada@example.org",
      isSuperuser: false,
      securityStamp: 1,
    });
  });
});
