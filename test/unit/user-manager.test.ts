import {
  InvalidEmail,
  InvalidPasswordException,
  PasswordHelper,
  type User,
  UserAlreadyExists,
  UserManager,
  UserNotExists,
} from "tessera-auth";
import { beforeEach, describe, expect, it } from "vitest";
import { cheapPasswords, memoryDatabase } from "../support/sqlite.js";

describe("UserManager", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;
  let manager: UserManager<User<string>>;
  const events: string[] = [];

  beforeEach(async () => {
    events.length = 0;
    db = await memoryDatabase();
    manager = new UserManager(db.users, {
      passwordHelper: cheapPasswords(),
      validatePassword(password) {
        if (password.length < 8) throw new InvalidPasswordException("too short");
      },
      hooks: {
        onAfterRegister: (user) => void events.push(`register ${user.email}`),
        onAfterUpdate: (user, update) =>
          void events.push(`update ${user.email} ${Object.keys(update)}`),
        onBeforeDelete: (user) => void events.push(`before delete ${user.email}`),
        onAfterDelete: (user) => void events.push(`after delete ${user.email}`),
      },
    });
  });

  it("creates users with a hashed password, normalised email and safe defaults", async () => {
    const user = await manager.create(
      { email: "Ada@Example.COM", password: "analytical", isSuperuser: true },
      { safe: true },
    );
    expect(user).toMatchObject({
      email: "Ada@example.com",
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });
    expect(user.hashedPassword).toMatch(/^\$argon2id\$/);
    expect(events).toEqual(["register Ada@example.com"]);
  });

  it("applies privileged flags only on unsafe creates", async () => {
    const admin = await manager.create({
      email: "root@example.com",
      password: "rootroot",
      isSuperuser: true,
      isVerified: true,
    });
    expect(admin).toMatchObject({ isSuperuser: true, isVerified: true, isActive: true });
  });

  it("refuses a bad password, a taken email (any case) and an invalid email", async () => {
    await expect(manager.create({ email: "a@example.com", password: "short" })).rejects.toThrow(
      InvalidPasswordException,
    );
    await manager.create({ email: "a@example.com", password: "longenough" });
    await expect(
      manager.create({ email: "A@EXAMPLE.com", password: "longenough" }),
    ).rejects.toBeInstanceOf(UserAlreadyExists);
    await expect(manager.create({ email: "nope", password: "longenough" })).rejects.toBeInstanceOf(
      InvalidEmail,
    );
  });

  it("authenticates by email in any case, and only with the right password", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    expect(
      (await manager.authenticate({ email: "ADA@example.com", password: "analytical" }))?.id,
    ).toBe(user.id);
    expect(
      await manager.authenticate({ email: "ada@example.com", password: "Analytical" }),
    ).toBeNull();
    expect(
      await manager.authenticate({ email: "eve@example.com", password: "analytical" }),
    ).toBeNull();
  });

  it("upgrades an outdated hash on a successful login", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    const legacy = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"; // bcrypt of "U*U"
    await db.users.update(user, { hashedPassword: legacy });
    const logged = await manager.authenticate({ email: "ada@example.com", password: "U*U" });
    expect(logged?.hashedPassword).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect((await db.users.get(user.id))?.hashedPassword).toBe(logged?.hashedPassword);
  });

  it("gets users by id and email or throws UserNotExists", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    expect((await manager.get(user.id)).email).toBe("ada@example.com");
    expect((await manager.getByEmail("ADA@example.com")).id).toBe(user.id);
    await expect(manager.get("00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(
      UserNotExists,
    );
    await expect(manager.getByEmail("x@example.com")).rejects.toBeInstanceOf(UserNotExists);
  });

  it("updates safely: a user cannot grant themself flags", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    const updated = await manager.update(
      { isSuperuser: true, isActive: false, isVerified: true },
      user,
      { safe: true },
    );
    expect(updated).toMatchObject({ isSuperuser: false, isActive: true, isVerified: false });
  });

  it("an email change unverifies, checks uniqueness, and allows a change of case", async () => {
    const user = await manager.create({
      email: "ada@example.com",
      password: "analytical",
      isVerified: true,
    });
    await manager.create({ email: "bob@example.com", password: "analytical" });
    await expect(manager.update({ email: "BOB@example.com" }, user)).rejects.toBeInstanceOf(
      UserAlreadyExists,
    );
    const recased = await manager.update({ email: "Ada@example.com" }, user);
    expect(recased).toMatchObject({ email: "Ada@example.com", isVerified: false });
    const verifiedAgain = await manager.update(
      { email: "new@example.com", isVerified: true },
      recased,
    );
    expect(verifiedAgain).toMatchObject({ email: "new@example.com", isVerified: true });
  });

  it("a password change is validated and hashed", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    await expect(manager.update({ password: "short" }, user)).rejects.toThrow(
      InvalidPasswordException,
    );
    await manager.update({ password: "difference engine" }, user);
    expect(
      await manager.authenticate({ email: "ada@example.com", password: "analytical" }),
    ).toBeNull();
    expect(
      await manager.authenticate({ email: "ada@example.com", password: "difference engine" }),
    ).not.toBeNull();
  });

  it("deletes with hooks around", async () => {
    const user = await manager.create({ email: "ada@example.com", password: "analytical" });
    await manager.delete(user);
    expect(await db.users.get(user.id)).toBeNull();
    expect(events).toEqual([
      "register ada@example.com",
      "before delete ada@example.com",
      "after delete ada@example.com",
    ]);
  });

  it("parses ids as its user database's id type says (declared once, by the database)", async () => {
    expect(manager.parseId("0E4B2D36-9C1F-4F8A-9E3B-2B1D5C6A7F80")).toBe(
      "0e4b2d36-9c1f-4f8a-9e3b-2b1d5c6a7f80",
    );
    expect(manager.parseId("not-a-uuid")).toBeNull();
    expect(manager.parseId("1")).toBeNull();
    const integers = new UserManager((await memoryDatabase("integer")).users);
    expect(integers.parseId("42")).toBe(42);
    for (const bad of ["0", "-1", "4.2", "1e3", "99999999999999999999", " 1"]) {
      expect(integers.parseId(bad)).toBeNull();
    }
  });
});

describe("UserManager scopes: hashing is the process's, the database the request's", () => {
  /** Counts the work each login makes the password helper do. */
  class CountingPasswords extends PasswordHelper {
    hashes = 0;
    verifies = 0;
    override hash(password: string) {
      this.hashes++;
      return super.hash(password);
    }
    override verifyAndUpdate(password: string, storedHash: string) {
      this.verifies++;
      return super.verifyAndUpdate(password, storedHash);
    }
  }

  it("an unknown email costs what a wrong password costs: one verification, in every request's manager", async () => {
    const db = await memoryDatabase();
    const passwords = new CountingPasswords({ memoryCost: 1024, timeCost: 1 });
    const process = new UserManager(db.users, { passwordHelper: passwords });
    await process.create({ email: "ada@example.com", password: "analytical engine" });
    const perRequest = () => process.withDatabase(db.users);
    // The decoy hash an unknown email is checked against is made once, by the first such login.
    await perRequest().authenticate({ email: "nobody@example.com", password: "x" });
    for (let n = 0; n < 5; n++) {
      for (const email of ["nobody@example.com", "ada@example.com"]) {
        const before = { hashes: passwords.hashes, verifies: passwords.verifies };
        expect(await perRequest().authenticate({ email, password: "wrong password" })).toBeNull();
        expect({
          hashes: passwords.hashes - before.hashes,
          verifies: passwords.verifies - before.verifies,
        }).toEqual({
          hashes: 0,
          verifies: 1,
        });
      }
    }
    expect(perRequest().passwordHelper).toBe(passwords);
  });
});
