import { afterEach, beforeEach, describe, expect } from "vitest";
import { UserNotExists } from "../core/errors.js";
import type { User } from "../core/models.js";
import { hasSecondFactor, type PasskeyCreate } from "../factors/second-factor.js";
import {
  PasskeyAlreadyRegistered,
  type SecondFactorDatabase,
} from "../factors/second-factor-database.js";
import { caseOf, type DatabaseFixture, type DatabaseSuiteOptions } from "./factory.js";
import { userData } from "./user-database-suite.js";

/** Rounds of each race: enough for a store without an atomic compare-and-set to lose one. */
const ROUNDS = 8;
/** Concurrent callers per round. */
const RACERS = 4;

const T0 = new Date("2026-03-04T05:06:07.890Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/**
 * The `SecondFactorDatabase` conformance suite: TOTP secrets (pending,
 * confirmed, the replay guard), recovery codes (single use, replacement),
 * passkeys (registration, the signature counter, renames, deletion), the
 * one-call summary a login reads, concurrent uses of one code, step or
 * counter (exactly one wins), and cascade on user deletion. Runs when the
 * fixture has `secondFactors`.
 */
export function runSecondFactorDatabaseSuite<U extends User<ID>, ID>(
  name: string,
  options: DatabaseSuiteOptions<U, ID>,
): void {
  const test = caseOf(options.skip);

  describe(`SecondFactorDatabase conformance: ${name}`, () => {
    let db: DatabaseFixture<U, ID>;
    let factors: SecondFactorDatabase<ID>;
    let user: U;
    let bob: U;
    beforeEach(async (context) => {
      db = await options.create();
      if (!db.secondFactors) {
        await db.dispose?.();
        context.skip("this adapter has no second-factor store");
      }
      factors = db.secondFactors as SecondFactorDatabase<ID>;
      user = await db.users.create(userData("ada@example.com"));
      bob = await db.users.create(userData("bob@example.com"));
    });
    afterEach(async () => {
      await db?.dispose?.();
    });

    const passkey = (
      id: string,
      owner: U = user,
      more: Partial<PasskeyCreate<ID>> = {},
    ): PasskeyCreate<ID> => ({
      id,
      userId: owner.id,
      publicKey: `pQECAyYgASFYI-${id}`,
      counter: 0,
      transports: ["internal", "hybrid"],
      name: `key ${id}`,
      createdAt: T0,
      backedUp: true,
      deviceType: "multiDevice",
      ...more,
    });

    const wins = async (calls: (() => Promise<boolean>)[]) =>
      (await Promise.all(calls.map((call) => call()))).filter(Boolean).length;

    test("a pending TOTP secret is stored, replaced while pending, and confirmed once", async () => {
      expect(await factors.getTotp(user.id)).toBeNull();
      expect(await factors.putPendingTotp(user.id, "enc:first", T0)).toBe(true);
      expect(await factors.getTotp(user.id)).toEqual({
        userId: user.id,
        secret: "enc:first",
        confirmedAt: null,
        lastUsedStep: null,
        createdAt: T0,
      });
      expect(await factors.useTotpStep(user.id, 100)).toBe(true);
      expect(await factors.putPendingTotp(user.id, "enc:second", at(10))).toBe(true);
      expect(await factors.getTotp(user.id)).toEqual({
        userId: user.id,
        secret: "enc:second",
        confirmedAt: null,
        lastUsedStep: null,
        createdAt: at(10),
      });
      expect(await factors.confirmTotp(user.id, at(20))).toBe(true);
      expect(await factors.confirmTotp(user.id, at(30))).toBe(false);
      expect(await factors.getTotp(user.id)).toMatchObject({
        secret: "enc:second",
        confirmedAt: at(20),
        createdAt: at(10),
      });
      expect(await factors.getTotp(bob.id)).toBeNull();
    });

    test("putPendingTotp never replaces a confirmed secret; deleteTotp frees the place", async () => {
      await factors.putPendingTotp(user.id, "enc:kept", T0);
      await factors.confirmTotp(user.id, at(1));
      expect(await factors.putPendingTotp(user.id, "enc:attacker", at(2))).toBe(false);
      expect(await factors.getTotp(user.id)).toMatchObject({
        secret: "enc:kept",
        confirmedAt: at(1),
      });
      expect(await factors.deleteTotp(user.id)).toBe(true);
      expect(await factors.deleteTotp(user.id)).toBe(false);
      expect(await factors.getTotp(user.id)).toBeNull();
      expect(await factors.putPendingTotp(user.id, "enc:new", at(3))).toBe(true);
      expect(await factors.getTotp(user.id)).toMatchObject({
        secret: "enc:new",
        confirmedAt: null,
      });
    });

    test("without a secret: confirmTotp, useTotpStep and deleteTotp answer false", async () => {
      expect(await factors.confirmTotp(user.id, T0)).toBe(false);
      expect(await factors.useTotpStep(user.id, 1)).toBe(false);
      expect(await factors.deleteTotp(user.id)).toBe(false);
      expect(await factors.getTotp(options.unknownId)).toBeNull();
    });

    test("useTotpStep accepts only a step greater than the last (replays and older codes refused)", async () => {
      await factors.putPendingTotp(user.id, "enc:s", T0);
      await factors.confirmTotp(user.id, T0);
      expect(await factors.useTotpStep(user.id, 59_000_000)).toBe(true);
      expect(await factors.useTotpStep(user.id, 59_000_000)).toBe(false);
      expect(await factors.useTotpStep(user.id, 58_999_999)).toBe(false);
      expect(await factors.useTotpStep(user.id, 59_000_001)).toBe(true);
      expect((await factors.getTotp(user.id))?.lastUsedStep).toBe(59_000_001);
      // Past 32 bits (a one-second step, far ahead).
      expect(await factors.useTotpStep(user.id, 5_000_000_000)).toBe(true);
      expect((await factors.getTotp(user.id))?.lastUsedStep).toBe(5_000_000_000);
      expect(await factors.useTotpStep(bob.id, 5_000_000_001)).toBe(false);
    });

    test("concurrent uses of one TOTP step: exactly one wins", async () => {
      await factors.putPendingTotp(user.id, "enc:s", T0);
      await factors.confirmTotp(user.id, T0);
      for (let round = 0; round < ROUNDS; round++) {
        const step = 1_000 + round;
        const calls = Array.from(
          { length: RACERS },
          () => () => factors.useTotpStep(user.id, step),
        );
        expect(await wins(calls), `round ${round}`).toBe(1);
      }
      expect((await factors.getTotp(user.id))?.lastUsedStep).toBe(1_000 + ROUNDS - 1);
    });

    test("recovery codes: each used once, the set replaced whole, counted unused", async () => {
      expect(await factors.countRecoveryCodes(user.id)).toBe(0);
      await factors.replaceRecoveryCodes(user.id, ["h1", "h2", "h3", "h3"], T0);
      await factors.replaceRecoveryCodes(bob.id, ["h1", "bob"], T0);
      expect(await factors.countRecoveryCodes(user.id)).toBe(3);
      expect(await factors.useRecoveryCode(user.id, "h2", at(1))).toBe(true);
      expect(await factors.useRecoveryCode(user.id, "h2", at(2))).toBe(false);
      expect(await factors.useRecoveryCode(user.id, "bob", at(2))).toBe(false);
      expect(await factors.useRecoveryCode(user.id, "H1", at(2))).toBe(false);
      expect(await factors.countRecoveryCodes(user.id)).toBe(2);
      expect(await factors.countRecoveryCodes(bob.id)).toBe(2);

      await factors.replaceRecoveryCodes(user.id, ["n1", "n2"], at(3));
      expect(await factors.countRecoveryCodes(user.id)).toBe(2);
      expect(await factors.useRecoveryCode(user.id, "h1", at(4))).toBe(false);
      expect(await factors.useRecoveryCode(user.id, "n1", at(4))).toBe(true);
      // The used code of the old set does not block it from a new one.
      await factors.replaceRecoveryCodes(user.id, ["n1"], at(5));
      expect(await factors.useRecoveryCode(user.id, "n1", at(6))).toBe(true);

      await factors.replaceRecoveryCodes(user.id, [], at(7));
      expect(await factors.countRecoveryCodes(user.id)).toBe(0);
      await factors.replaceRecoveryCodes(user.id, ["z"], at(8));
      await factors.deleteRecoveryCodes(user.id);
      expect(await factors.countRecoveryCodes(user.id)).toBe(0);
      expect(await factors.useRecoveryCode(user.id, "z", at(9))).toBe(false);
      expect(await factors.useRecoveryCode(bob.id, "h1", at(9))).toBe(true);
    });

    test("concurrent uses of one recovery code: exactly one wins", async () => {
      const hashes = Array.from({ length: ROUNDS }, (_, round) => `race-${round}`);
      await factors.replaceRecoveryCodes(user.id, hashes, T0);
      for (const hash of hashes) {
        const calls = Array.from(
          { length: RACERS },
          () => () => factors.useRecoveryCode(user.id, hash, at(1)),
        );
        expect(await wins(calls), hash).toBe(1);
      }
      expect(await factors.countRecoveryCodes(user.id)).toBe(0);
    });

    test("concurrent replacements of the recovery codes leave one whole set", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const sets = Array.from({ length: RACERS }, (_, racer) =>
          Array.from({ length: 5 }, (_, code) => `r${round}-s${racer}-c${code}`),
        );
        await Promise.all(sets.map((set) => factors.replaceRecoveryCodes(user.id, set, at(round))));
        expect(await factors.countRecoveryCodes(user.id), `round ${round}`).toBe(5);
        const usable = [];
        for (const set of sets) {
          if (await factors.useRecoveryCode(user.id, set[0] as string, at(round))) usable.push(set);
        }
        expect(usable, `round ${round}`).toHaveLength(1);
      }
    });

    test("addPasskey stores it; getPasskey and listPasskeys (oldest first) read it back", async () => {
      const first = await factors.addPasskey(passkey("cred-2", user, { createdAt: at(2) }));
      expect(first).toEqual({ ...passkey("cred-2", user, { createdAt: at(2) }), lastUsedAt: null });
      expect(await factors.getPasskey("cred-2")).toEqual(first);
      const oldest = await factors.addPasskey(
        passkey("cred-1", user, {
          createdAt: at(1),
          transports: [],
          backedUp: false,
          deviceType: "singleDevice",
          counter: 4_000_000_000,
        }),
      );
      const newest = await factors.addPasskey(passkey("cred-3", user, { createdAt: at(3) }));
      await factors.addPasskey(passkey("cred-bob", bob, { createdAt: at(0) }));
      expect(await factors.listPasskeys(user.id)).toEqual([oldest, first, newest]);
      expect((await factors.listPasskeys(bob.id)).map((p) => p.id)).toEqual(["cred-bob"]);
      expect(await factors.getPasskey("cred-1")).toEqual(oldest);
      expect(await factors.getPasskey("CRED-1")).toBeNull();
      expect(await factors.listPasskeys(options.unknownId)).toEqual([]);
    });

    test("a credential id registers once (for anyone); ids differing in case are two", async () => {
      await factors.addPasskey(passkey("AbC-_1"));
      await expect(factors.addPasskey(passkey("AbC-_1"))).rejects.toThrow(PasskeyAlreadyRegistered);
      await expect(factors.addPasskey(passkey("AbC-_1", bob))).rejects.toThrow(
        PasskeyAlreadyRegistered,
      );
      await factors.addPasskey(passkey("abc-_1", bob));
      expect((await factors.getPasskey("AbC-_1"))?.userId).toEqual(user.id);
      expect((await factors.getPasskey("abc-_1"))?.userId).toEqual(bob.id);
    });

    test("long credential ids and secrets, unicode names, SQL metacharacters round-trip", async () => {
      const id = "x".repeat(1364);
      const secret = `tessera-enc:v1:${"S".repeat(400)}`;
      const name = 'Ada\'s "key"; DROP TABLE passkey; -- ключ 🔑';
      const added = await factors.addPasskey(passkey(id, user, { name }));
      expect(await factors.getPasskey(id)).toEqual(added);
      expect((await factors.getPasskey(id))?.name).toBe(name);
      await factors.putPendingTotp(user.id, secret, T0);
      expect((await factors.getTotp(user.id))?.secret).toBe(secret);
      const hash = "a".repeat(128);
      await factors.replaceRecoveryCodes(user.id, [hash, "' or 1=1 --"], T0);
      expect(await factors.useRecoveryCode(user.id, "' or 1=1 --", T0)).toBe(true);
      expect(await factors.useRecoveryCode(user.id, hash, T0)).toBe(true);
    });

    test("renamePasskey and deletePasskey touch only the user's own passkey", async () => {
      await factors.addPasskey(passkey("mine"));
      await factors.addPasskey(passkey("bobs", bob));
      expect(await factors.renamePasskey(user.id, "mine", "Laptop")).toBe(true);
      expect(await factors.renamePasskey(user.id, "mine", "Laptop")).toBe(true);
      expect(await factors.renamePasskey(user.id, "bobs", "Stolen")).toBe(false);
      expect(await factors.renamePasskey(user.id, "none", "Nothing")).toBe(false);
      expect((await factors.getPasskey("mine"))?.name).toBe("Laptop");
      expect((await factors.getPasskey("bobs"))?.name).toBe("key bobs");

      expect(await factors.deletePasskey(user.id, "bobs")).toBe(false);
      expect(await factors.deletePasskey(user.id, "mine")).toBe(true);
      expect(await factors.deletePasskey(user.id, "mine")).toBe(false);
      expect(await factors.getPasskey("mine")).toBeNull();
      expect(await factors.getPasskey("bobs")).not.toBeNull();
    });

    test("usePasskey stores a counter only when it grows, or when both are 0", async () => {
      await factors.addPasskey(passkey("counted", user, { counter: 5 }));
      expect(await factors.usePasskey("counted", 6, at(1))).toBe(true);
      expect(await factors.getPasskey("counted")).toMatchObject({ counter: 6, lastUsedAt: at(1) });
      expect(await factors.usePasskey("counted", 6, at(2))).toBe(false);
      expect(await factors.usePasskey("counted", 3, at(2))).toBe(false);
      expect(await factors.usePasskey("counted", 0, at(2))).toBe(false);
      expect(await factors.getPasskey("counted")).toMatchObject({ counter: 6, lastUsedAt: at(1) });
      expect(await factors.usePasskey("counted", 4_294_967_295, at(3))).toBe(true);
      expect((await factors.getPasskey("counted"))?.counter).toBe(4_294_967_295);

      await factors.addPasskey(passkey("uncounted"));
      expect(await factors.usePasskey("uncounted", 0, at(4))).toBe(true);
      expect(await factors.usePasskey("uncounted", 0, at(4))).toBe(true);
      expect(await factors.getPasskey("uncounted")).toMatchObject({
        counter: 0,
        lastUsedAt: at(4),
      });
      expect(await factors.usePasskey("uncounted", 1, at(5))).toBe(true);
      expect(await factors.usePasskey("uncounted", 0, at(6))).toBe(false);
      expect(await factors.usePasskey("unknown", 1, at(6))).toBe(false);
    });

    test("concurrent uses of one passkey with one counter: exactly one wins", async () => {
      await factors.addPasskey(passkey("raced", user, { counter: 1 }));
      for (let round = 0; round < ROUNDS; round++) {
        const counter = 2 + round;
        const calls = Array.from(
          { length: RACERS },
          (_, racer) => () => factors.usePasskey("raced", counter, at(racer)),
        );
        expect(await wins(calls), `round ${round}`).toBe(1);
      }
      expect((await factors.getPasskey("raced"))?.counter).toBe(1 + ROUNDS);
    });

    test("getSecondFactors tells in one call what the user has (a pending TOTP is none)", async () => {
      const none = { totp: false, passkeys: 0, recoveryCodes: 0 };
      expect(await factors.getSecondFactors(user.id)).toEqual(none);
      await factors.replaceRecoveryCodes(user.id, ["a", "b"], T0);
      await factors.putPendingTotp(user.id, "enc:s", T0);
      let summary = await factors.getSecondFactors(user.id);
      expect(summary).toEqual({ ...none, recoveryCodes: 2 });
      expect(hasSecondFactor(summary)).toBe(false);
      await factors.confirmTotp(user.id, T0);
      summary = await factors.getSecondFactors(user.id);
      expect(summary).toEqual({ totp: true, passkeys: 0, recoveryCodes: 2 });
      expect(hasSecondFactor(summary)).toBe(true);

      await factors.addPasskey(passkey("p1", bob));
      await factors.addPasskey(passkey("p2", bob));
      await factors.useRecoveryCode(user.id, "a", T0);
      expect(await factors.getSecondFactors(user.id)).toEqual({
        totp: true,
        passkeys: 0,
        recoveryCodes: 1,
      });
      summary = await factors.getSecondFactors(bob.id);
      expect(summary).toEqual({ totp: false, passkeys: 2, recoveryCodes: 0 });
      expect(hasSecondFactor(summary)).toBe(true);
      expect(await factors.getSecondFactors(options.unknownId)).toEqual(none);
    });

    test("deleting a user deletes their second factors, and only theirs", async () => {
      for (const owner of [user, bob]) {
        await factors.putPendingTotp(owner.id, "enc:s", T0);
        await factors.confirmTotp(owner.id, T0);
        await factors.replaceRecoveryCodes(owner.id, ["a", "b"], T0);
        await factors.addPasskey(passkey(`key-${owner.email}`, owner));
      }
      await db.users.delete(user);
      expect(await factors.getTotp(user.id)).toBeNull();
      expect(await factors.countRecoveryCodes(user.id)).toBe(0);
      expect(await factors.listPasskeys(user.id)).toEqual([]);
      expect(await factors.getPasskey(`key-${user.email}`)).toBeNull();
      expect(await factors.getSecondFactors(bob.id)).toEqual({
        totp: true,
        passkeys: 1,
        recoveryCodes: 2,
      });
      // The credential id is free again.
      await factors.addPasskey(passkey(`key-${user.email}`, bob));
    });

    test("writes for a user that does not exist throw UserNotExists", async () => {
      const ghost = options.unknownId;
      await expect(factors.putPendingTotp(ghost, "enc:s", T0)).rejects.toThrow(UserNotExists);
      await expect(factors.replaceRecoveryCodes(ghost, ["a"], T0)).rejects.toThrow(UserNotExists);
      await expect(factors.addPasskey({ ...passkey("ghost"), userId: ghost })).rejects.toThrow(
        UserNotExists,
      );
      expect(await factors.getPasskey("ghost")).toBeNull();
    });
  });
}
