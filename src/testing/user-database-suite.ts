import { afterEach, beforeEach, describe, expect } from "vitest";
import { UserAlreadyExists } from "../core/errors.js";
import type { User, UserCreateData } from "../core/models.js";
import { caseOf, type DatabaseFixture, type DatabaseSuiteOptions } from "./factory.js";

/** A user row ready to insert. */
export function userData(email: string, overrides: Partial<UserCreateData> = {}): UserCreateData {
  return {
    email,
    hashedPassword: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    isActive: true,
    isSuperuser: false,
    isVerified: false,
    ...overrides,
  };
}

/**
 * The `UserDatabase` conformance suite: run it once per engine (and id type)
 * with a factory of fresh databases.
 *
 * @example
 * runUserDatabaseSuite("sqlite uuid", { create: async () => fixture(), unknownId: randomUUID() });
 */
export function runUserDatabaseSuite<U extends User<ID>, ID>(
  name: string,
  options: DatabaseSuiteOptions<U, ID>,
): void {
  const test = caseOf(options.skip);

  describe(`UserDatabase conformance: ${name}`, () => {
    let db: DatabaseFixture<U, ID>;
    beforeEach(async () => {
      db = await options.create();
    });
    afterEach(async () => {
      await db.dispose?.();
    });

    test("create returns the stored user with a new id", async () => {
      const user = await db.users.create(userData("ada@example.com", { isVerified: true }));
      expect(user.id).toBeDefined();
      expect(user).toMatchObject({
        email: "ada@example.com",
        isActive: true,
        isSuperuser: false,
        isVerified: true,
      });
      const other = await db.users.create(userData("bob@example.com"));
      expect(other.id).not.toEqual(user.id);
    });

    test("get finds by id and answers null for an unknown id", async () => {
      const user = await db.users.create(userData("ada@example.com", { isSuperuser: true }));
      const found = await db.users.get(user.id);
      expect(found).toMatchObject({ id: user.id, email: "ada@example.com", isSuperuser: true });
      expect(found?.hashedPassword).toBe(userData("x").hashedPassword);
      expect(await db.users.get(options.unknownId)).toBeNull();
    });

    test("getByEmail ignores case and answers null for an unknown email", async () => {
      const user = await db.users.create(userData("Ada.Lovelace@example.com"));
      expect((await db.users.getByEmail("ada.lovelace@EXAMPLE.com"))?.id).toEqual(user.id);
      expect((await db.users.getByEmail("Ada.Lovelace@example.com"))?.email).toBe(
        "Ada.Lovelace@example.com",
      );
      expect(await db.users.getByEmail("nobody@example.com")).toBeNull();
    });

    test("getByEmail treats SQL metacharacters and LIKE wildcards as text", async () => {
      await db.users.create(userData("ada@example.com"));
      expect(await db.users.getByEmail("%@example.com")).toBeNull();
      expect(await db.users.getByEmail("_da@example.com")).toBeNull();
      expect(await db.users.getByEmail("' OR '1'='1")).toBeNull();
    });

    test("emails that differ by an accent are two addresses", async () => {
      const jose = await db.users.create(userData("josé@example.com"));
      expect(await db.users.getByEmail("jose@example.com")).toBeNull();
      const other = await db.users.create(userData("jose@example.com"));
      expect(other.id).not.toEqual(jose.id);
      expect((await db.users.getByEmail("josé@example.com"))?.id).toEqual(jose.id);
    });

    test("create refuses an email that differs only in case", async () => {
      await db.users.create(userData("ada@example.com"));
      await expect(db.users.create(userData("ADA@example.com"))).rejects.toBeInstanceOf(
        UserAlreadyExists,
      );
    });

    test("concurrent creates of one email: exactly one wins", async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          db.users.create(userData(i % 2 ? "race@example.com" : "RACE@example.com")),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toBeInstanceOf(UserAlreadyExists);
      }
    });

    test("update changes the given fields only and returns the new state", async () => {
      const user = await db.users.create(userData("ada@example.com"));
      const updated = await db.users.update(user, { isVerified: true, hashedPassword: "new" });
      expect(updated).toMatchObject({ id: user.id, isVerified: true, hashedPassword: "new" });
      expect(await db.users.get(user.id)).toMatchObject({
        email: "ada@example.com",
        isActive: true,
        isVerified: true,
        hashedPassword: "new",
      });
      expect(await db.users.update(user, {})).toMatchObject({ id: user.id });
    });

    test("update is a compare-and-set: a stale read writes nothing and answers null", async () => {
      const user = await db.users.create(userData("ada@example.com"));
      expect(user.securityStamp).toBe(0);
      const raised = await db.users.update(user, { securityStamp: 1, hashedPassword: "second" });
      expect(raised).toMatchObject({ securityStamp: 1, hashedPassword: "second" });
      // `user` was read before that change: its stamp is stale.
      expect(await db.users.update(user, { isSuperuser: true })).toBeNull();
      // The stamp matches but a written field no longer holds what was read.
      const stale = { ...(raised as U), hashedPassword: "first" };
      expect(await db.users.update(stale, { hashedPassword: "third" })).toBeNull();
      expect(await db.users.get(user.id)).toMatchObject({
        securityStamp: 1,
        hashedPassword: "second",
        isSuperuser: false,
      });
      await db.users.delete(user);
      expect(await db.users.update(raised as U, { isVerified: true })).toBeNull();
    });

    test("concurrent conditional writes from one read: exactly one applies", async () => {
      const user = await db.users.create(userData("ada@example.com"));
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          db.users.update(user, { hashedPassword: `hash-${n}`, securityStamp: 1 }),
        ),
      );
      const applied = results.filter((result) => result !== null);
      expect(applied).toHaveLength(1);
      expect((await db.users.get(user.id))?.hashedPassword).toBe(applied[0]?.hashedPassword);
    });

    test("update refuses another user's email, ignoring case", async () => {
      await db.users.create(userData("ada@example.com"));
      const bob = await db.users.create(userData("bob@example.com"));
      await expect(db.users.update(bob, { email: "Ada@Example.com" })).rejects.toBeInstanceOf(
        UserAlreadyExists,
      );
      expect((await db.users.get(bob.id))?.email).toBe("bob@example.com");
    });

    test("delete removes the user and only that user", async () => {
      const ada = await db.users.create(userData("ada@example.com"));
      const bob = await db.users.create(userData("bob@example.com"));
      await db.users.delete(ada);
      expect(await db.users.get(ada.id)).toBeNull();
      expect(await db.users.getByEmail("ada@example.com")).toBeNull();
      expect(await db.users.get(bob.id)).not.toBeNull();
    });
  });
}
