import { afterEach, beforeEach, describe, expect } from "vitest";
import { UserNotExists } from "../core/errors.js";
import type { User } from "../core/models.js";
import { generateToken, hashToken } from "../sessions/tokens.js";
import { caseOf, type DatabaseFixture, type DatabaseSuiteOptions } from "./factory.js";
import { userData } from "./user-database-suite.js";

const T0 = new Date("2026-01-31T12:00:00.000Z");
const seconds = (n: number) => new Date(T0.getTime() + n * 1000);
/**
 * What a token row holds of its session when the login recorded nothing (as
 * a row from before tessera recorded it: no `amr` is none).
 */
const NO_METADATA = {
  ip: null,
  userAgent: null,
  label: null,
  amr: [],
  lastUsedAt: null,
  family: null,
};
/** Methods that take the `amr` column's 100 characters exactly. */
const FULL_AMR = ["password", "otp", `oauth:${"x".repeat(100 - "password otp oauth:".length)}`];
/** Rows of the large-table case: enough that a full scan would show in the plan. */
const LARGE_USERS = 5000;
const LARGE_TOKENS = 20_000;

/**
 * The `AccessTokenDatabase` conformance suite: every method, expiry at the
 * boundary, the one-query user lookup, cascade on user deletion, and the
 * lookup's plan on large tables (an index lookup, never a scan).
 *
 * @example
 * runAccessTokenDatabaseSuite("sqlite uuid", { create: async () => fixture(), unknownId: randomUUID() });
 */
export function runAccessTokenDatabaseSuite<U extends User<ID>, ID>(
  name: string,
  options: DatabaseSuiteOptions<U, ID>,
): void {
  const test = caseOf(options.skip);

  describe(`AccessTokenDatabase conformance: ${name}`, () => {
    let db: DatabaseFixture<U, ID>;
    let user: U;
    beforeEach(async () => {
      db = await options.create();
      user = await db.users.create(userData("ada@example.com"));
    });
    afterEach(async () => {
      await db.dispose?.();
    });

    const issue = async (owner: U = user, createdAt = T0) => {
      const token = hashToken(generateToken());
      await db.accessTokens.create({
        token,
        userId: owner.id,
        createdAt,
        securityStamp: owner.securityStamp,
      });
      return token;
    };

    test("create stores the row; getByToken reads it back with its creation time (no metadata: no amr, as a row from before it was recorded)", async () => {
      const token = await issue();
      const row = await db.accessTokens.getByToken(token, null);
      expect(row).toEqual({
        token,
        userId: user.id,
        createdAt: T0,
        securityStamp: 0,
        ...NO_METADATA,
      });
      expect(await db.accessTokens.getByToken(hashToken(generateToken()), null)).toBeNull();
    });

    test("tokens are compared byte for byte, never ignoring case", async () => {
      const token = await issue();
      const swapped = [...token]
        .map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
        .join("");
      expect(swapped).not.toBe(token);
      expect(await db.accessTokens.getByToken(swapped, null)).toBeNull();
      expect(await db.accessTokens.getUserByToken(swapped, null)).toBeNull();
    });

    test("creation times round-trip to the millisecond, in UTC", async () => {
      const createdAt = new Date("2026-07-04T23:59:59.987Z");
      const token = await issue(user, createdAt);
      expect((await db.accessTokens.getByToken(token, null))?.createdAt.toISOString()).toBe(
        createdAt.toISOString(),
      );
    });

    test("expiry: valid at exactly notBefore, expired one millisecond earlier", async () => {
      const token = await issue();
      expect(await db.accessTokens.getByToken(token, T0)).not.toBeNull();
      expect(await db.accessTokens.getUserByToken(token, T0)).not.toBeNull();
      const justAfter = new Date(T0.getTime() + 1);
      expect(await db.accessTokens.getByToken(token, justAfter)).toBeNull();
      expect(await db.accessTokens.getUserByToken(token, justAfter)).toBeNull();
    });

    test("getUserByToken returns the owner, with every field", async () => {
      const token = await issue();
      const found = await db.accessTokens.getUserByToken(token, seconds(-3600));
      expect(found).toMatchObject({
        id: user.id,
        email: "ada@example.com",
        isActive: true,
        isSuperuser: false,
        isVerified: false,
        hashedPassword: user.hashedPassword,
      });
      expect(await db.accessTokens.getUserByToken(hashToken(generateToken()), null)).toBeNull();
      expect(await db.accessTokens.getUserByToken("' OR '1'='1", null)).toBeNull();
    });

    test("a token issued under an older security stamp finds no user", async () => {
      const token = await issue();
      const changed = await db.users.update(user, { securityStamp: user.securityStamp + 1 });
      expect(changed?.securityStamp).toBe(user.securityStamp + 1);
      expect(await db.accessTokens.getUserByToken(token, null)).toBeNull();
      expect(await db.accessTokens.getUserByToken(token, seconds(-60))).toBeNull();
      // A token issued after the change, under the new stamp, works.
      expect(await db.accessTokens.getUserByToken(await issue(changed as U), null)).not.toBeNull();
    });

    test("restamp moves a token to a new stamp only from the stamp it carries", async () => {
      const token = await issue();
      const changed = (await db.users.update(user, { securityStamp: 1 })) as U;
      expect(await db.accessTokens.restamp(token, 5, 1)).toBe(false);
      expect(await db.accessTokens.getUserByToken(token, null)).toBeNull();
      expect(await db.accessTokens.restamp(token, 0, 1)).toBe(true);
      expect((await db.accessTokens.getUserByToken(token, null))?.id).toEqual(changed.id);
      expect(await db.accessTokens.restamp(token, 0, 1)).toBe(false);
      expect(await db.accessTokens.restamp(hashToken(generateToken()), 0, 1)).toBe(false);
    });

    test("create for a deleted user throws UserNotExists and stores nothing", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      await db.users.delete(bob);
      const token = hashToken(generateToken());
      await expect(
        db.accessTokens.create({ token, userId: bob.id, createdAt: T0, securityStamp: 0 }),
      ).rejects.toBeInstanceOf(UserNotExists);
      expect(await db.accessTokens.getByToken(token, null)).toBeNull();
    });

    test("update moves the creation time (extends a token)", async () => {
      const token = await issue();
      const row = await db.accessTokens.getByToken(token, null);
      if (!row) throw new Error("token missing");
      const updated = await db.accessTokens.update(row, { createdAt: seconds(60) });
      expect(updated.createdAt).toEqual(seconds(60));
      expect(await db.accessTokens.getByToken(token, seconds(30))).not.toBeNull();
    });

    test("delete removes one token and is silent for a missing one", async () => {
      const first = await issue();
      const second = await issue();
      await db.accessTokens.delete(first);
      await db.accessTokens.delete(first);
      expect(await db.accessTokens.getByToken(first, null)).toBeNull();
      expect(await db.accessTokens.getByToken(second, null)).not.toBeNull();
    });

    test("deleteByUser removes the user's tokens, keeps `keep` and other users' tokens", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      const kept = await issue();
      await issue();
      await issue();
      const bobs = await issue(bob);
      expect(await db.accessTokens.deleteByUser(user.id, { keep: kept })).toBe(2);
      expect(await db.accessTokens.getByToken(kept, null)).not.toBeNull();
      expect(await db.accessTokens.getByToken(bobs, null)).not.toBeNull();
      expect(await db.accessTokens.deleteByUser(user.id)).toBe(1);
      expect(await db.accessTokens.listByUser(user.id, null)).toEqual([]);
    });

    test("deleteExpired removes rows older than the bound and counts them", async () => {
      const old = await issue(user, seconds(-7200));
      const boundary = await issue(user, seconds(-3600));
      const fresh = await issue(user, T0);
      expect(await db.accessTokens.deleteExpired(seconds(-3600))).toBe(1);
      expect(await db.accessTokens.getByToken(old, null)).toBeNull();
      expect(await db.accessTokens.getByToken(boundary, null)).not.toBeNull();
      expect(await db.accessTokens.getByToken(fresh, null)).not.toBeNull();
    });

    test("a session's metadata round-trips at its full sizes (IPv6, 512-character user agent, 100 characters of amr, any script)", async () => {
      const token = hashToken(generateToken());
      const metadata = {
        ip: "2001:0db8:85a3:0000:0000:8a2e:0370:7334".padEnd(45, "0").slice(0, 45),
        userAgent: `Mozilla/5.0 (Ω; 日本語; 🦄) ${"x".repeat(512)}`.slice(0, 512),
        label: `Ada's laptop 💻 ${"y".repeat(100)}`.slice(0, 100),
        amr: FULL_AMR,
        lastUsedAt: seconds(5),
        family: "Fam1ly_-Id0123456789ab",
      };
      await db.accessTokens.create({
        token,
        userId: user.id,
        createdAt: T0,
        securityStamp: 0,
        ...metadata,
      });
      const [listed] = await db.accessTokens.listByUser(user.id, null);
      expect(listed).toEqual({
        token,
        userId: user.id,
        createdAt: T0,
        securityStamp: 0,
        ...metadata,
      });
      const row = listed as NonNullable<typeof listed>;
      await db.accessTokens.update(row, { label: null, lastUsedAt: seconds(9) });
      expect(await db.accessTokens.getByToken(token, null)).toEqual({
        ...row,
        label: null,
        lastUsedAt: seconds(9),
      });
    });

    test("deleteAllButNewest keeps a user's newest tokens (ties by token), and other users' all", async () => {
      const oldest = await issue(user, seconds(-30));
      const tied = [await issue(user, seconds(-10)), await issue(user, seconds(-10))].sort();
      const newest = await issue(user, seconds(-1));
      const bob = await db.users.create(userData("bob@example.com"));
      const bobs = await issue(bob, seconds(-100));
      expect(await db.accessTokens.deleteAllButNewest(user.id, 2)).toBe(2);
      const left = (await db.accessTokens.listByUser(user.id, null)).map((t) => t.token);
      expect(left.sort()).toEqual([newest, tied[1]].sort());
      expect(await db.accessTokens.getByToken(oldest, null)).toBeNull();
      expect(await db.accessTokens.getByToken(bobs, null)).not.toBeNull();
      expect(await db.accessTokens.deleteAllButNewest(user.id, 5)).toBe(0);
    });

    test("deleteAllButNewest from many callers at once leaves exactly the newest", async () => {
      const tokens = await Promise.all(
        Array.from({ length: 12 }, (_, i) => issue(user, seconds(i % 4))),
      );
      await Promise.all(tokens.map(() => db.accessTokens.deleteAllButNewest(user.id, 3)));
      const left = (await db.accessTokens.listByUser(user.id, null)).map((t) => t.token);
      expect(left).toHaveLength(3);
      // The three of the newest second (i % 4 === 3).
      expect(left.sort()).toEqual(tokens.filter((_, i) => i % 4 === 3).sort());
    });

    test("deleteExpired in batches deletes every expired row, keeps the rest, and counts them", async () => {
      const expired = await Promise.all(
        Array.from({ length: 25 }, (_, i) => issue(user, seconds(-100 - i))),
      );
      const fresh = await Promise.all(Array.from({ length: 5 }, () => issue(user, seconds(0))));
      const halfTime = { batchSize: 10, dutyCycle: 0.5 };
      expect(await db.accessTokens.deleteExpired(seconds(-50), halfTime)).toBe(25);
      expect(
        await db.accessTokens.deleteExpired(seconds(-50), { batchSize: 10, dutyCycle: 0.5 }),
      ).toBe(0);
      await expect(
        db.accessTokens.deleteExpired(seconds(-50), { batchSize: 10, dutyCycle: 0 }),
      ).rejects.toThrow(RangeError);
      const left = (await db.accessTokens.listByUser(user.id, null)).map((t) => t.token);
      expect(left.sort()).toEqual([...fresh].sort());
      for (const token of expired) expect(await db.accessTokens.getByToken(token, null)).toBeNull();
    });

    test("getSessionByToken: the owner, both bounds inclusive, and whether the last use is stale", async () => {
      const token = hashToken(generateToken());
      await db.accessTokens.create({
        token,
        userId: user.id,
        createdAt: T0,
        securityStamp: 0,
        lastUsedAt: seconds(100),
      });
      const none = { notBefore: null, idleSince: null, staleBefore: seconds(100) };
      const found = await db.accessTokens.getSessionByToken(token, none);
      expect(found).toEqual({ user: expect.anything(), stale: false });
      expect(found?.user).toEqual(await db.accessTokens.getUserByToken(token, null));
      const later = { ...none, staleBefore: new Date(seconds(100).getTime() + 1) };
      expect(await db.accessTokens.getSessionByToken(token, later)).toMatchObject({ stale: true });
      const both = { ...none, notBefore: T0, idleSince: seconds(100) };
      expect(await db.accessTokens.getSessionByToken(token, both)).not.toBeNull();
      const late = new Date(seconds(100).getTime() + 1);
      expect(
        await db.accessTokens.getSessionByToken(token, { ...both, idleSince: late }),
      ).toBeNull();
      const lateCreation = { ...both, notBefore: new Date(T0.getTime() + 1) };
      expect(await db.accessTokens.getSessionByToken(token, lateCreation)).toBeNull();
      expect(await db.accessTokens.getSessionByToken("' OR '1'='1", none)).toBeNull();
    });

    test("getSessionByToken: a never-used session is idle and stale from its creation; a restamped user's token is dead", async () => {
      const token = await issue();
      const bounds = { notBefore: null, idleSince: T0, staleBefore: T0 };
      expect(await db.accessTokens.getSessionByToken(token, bounds)).toMatchObject({
        stale: false,
      });
      const after = { ...bounds, staleBefore: seconds(1) };
      expect(await db.accessTokens.getSessionByToken(token, after)).toMatchObject({ stale: true });
      const idle = { ...bounds, idleSince: seconds(1) };
      expect(await db.accessTokens.getSessionByToken(token, idle)).toBeNull();
      await db.users.update(user, { securityStamp: user.securityStamp + 1 });
      expect(await db.accessTokens.getSessionByToken(token, bounds)).toBeNull();
    });

    test("getUserByTokenNow and getSessionByTokenNow, where offered, answer as the lookups they stand for", async () => {
      const store = db.accessTokens;
      // Offered together or not at all (SQLite offers them; a server database cannot answer at once).
      expect(store.getUserByTokenNow === undefined).toBe(store.getSessionByTokenNow === undefined);
      const userNow = store.getUserByTokenNow?.bind(store);
      const sessionNow = store.getSessionByTokenNow?.bind(store);
      if (userNow === undefined || sessionNow === undefined) return;
      const used = hashToken(generateToken());
      await store.create({
        token: used,
        userId: user.id,
        createdAt: T0,
        securityStamp: 0,
        lastUsedAt: seconds(100),
      });
      const never = await issue();
      const tokens = [used, never, hashToken(generateToken()), "' OR '1'='1"];
      const instants = [null, T0, new Date(T0.getTime() + 1), seconds(100), seconds(101)];
      const check = async () => {
        for (const token of tokens) {
          for (const notBefore of instants) {
            expect(userNow(token, notBefore)).toEqual(await store.getUserByToken(token, notBefore));
            for (const idleSince of instants) {
              const bounds = { notBefore, idleSince, staleBefore: idleSince ?? seconds(50) };
              expect(sessionNow(token, bounds)).toEqual(
                await store.getSessionByToken(token, bounds),
              );
            }
          }
        }
      };
      await check();
      expect(userNow(used, null)?.id).toEqual(user.id);
      expect(sessionNow(used, { notBefore: T0, idleSince: seconds(100), staleBefore: T0 })).toEqual(
        { user: expect.objectContaining({ id: user.id }), stale: false },
      );
      await db.users.update(user, { securityStamp: user.securityStamp + 1 });
      expect(userNow(used, null)).toBeNull();
      await check();
    });

    test("getSessionRecord: the owner and what expiry is computed from, whatever its age; a restamped user's token is dead", async (context) => {
      const getSessionRecord = db.accessTokens.getSessionRecord?.bind(db.accessTokens);
      if (!getSessionRecord)
        return context.skip("the store has no getSessionRecord (never cached)");
      const token = await issue(user, seconds(-7200));
      expect(await getSessionRecord(token)).toEqual({
        user: expect.objectContaining({ id: user.id, email: "ada@example.com", isActive: true }),
        createdAt: seconds(-7200),
        lastUsedAt: null,
        family: null,
      });
      expect(await db.accessTokens.touch(token, seconds(-60), seconds(0))).toBe(true);
      expect((await getSessionRecord(token))?.lastUsedAt).toEqual(seconds(-60));
      const family = hashToken(generateToken());
      const inFamily = hashToken(generateToken());
      await db.accessTokens.create({
        token: inFamily,
        userId: user.id,
        createdAt: T0,
        securityStamp: user.securityStamp,
        family,
      });
      expect((await getSessionRecord(inFamily))?.family).toBe(family);
      expect(await getSessionRecord(hashToken(generateToken()))).toBeNull();
      expect(await getSessionRecord("' OR '1'='1")).toBeNull();
      await db.users.update(user, { securityStamp: user.securityStamp + 1 });
      expect(await getSessionRecord(token)).toBeNull();
    });

    test("touch writes last_used_at only over a stale value, once among concurrent callers", async () => {
      const token = await issue();
      expect(await db.accessTokens.touch(token, seconds(60), seconds(0))).toBe(true);
      expect((await db.accessTokens.getByToken(token, null))?.lastUsedAt).toEqual(seconds(60));
      // Fresh since seconds(30): left alone.
      expect(await db.accessTokens.touch(token, seconds(90), seconds(30))).toBe(false);
      const racing = await Promise.all(
        Array.from({ length: 8 }, () => db.accessTokens.touch(token, seconds(200), seconds(150))),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect((await db.accessTokens.getByToken(token, null))?.lastUsedAt).toEqual(seconds(200));
      expect(
        await db.accessTokens.touch(hashToken(generateToken()), seconds(300), seconds(300)),
      ).toBe(false);
    });

    test("deleteExpired with an idle bound also deletes sessions unused since it, in batches", async () => {
      const idle = await Promise.all(Array.from({ length: 12 }, () => issue(user, seconds(-40))));
      const used = await issue(user, seconds(-40));
      await db.accessTokens.touch(used, seconds(-5), seconds(-5));
      const tooOld = await issue(user, seconds(-500));
      await db.accessTokens.touch(tooOld, seconds(0), seconds(0));
      const fresh = await issue(user, seconds(-10));
      const options = { batchSize: 5, idleSince: seconds(-30) };
      expect(await db.accessTokens.deleteExpired(seconds(-100), options)).toBe(13);
      const left = (await db.accessTokens.listByUser(user.id, null)).map((t) => t.token);
      expect(left.sort()).toEqual([used, fresh].sort());
      for (const token of idle) expect(await db.accessTokens.getByToken(token, null)).toBeNull();
      expect(await db.accessTokens.deleteExpired(seconds(-100), { idleSince: seconds(-1) })).toBe(
        2,
      );
    });

    test("listByUser lists newest first, filtered by expiry", async () => {
      const older = await issue(user, seconds(-100));
      const newer = await issue(user, seconds(-10));
      const bob = await db.users.create(userData("bob@example.com"));
      await issue(bob);
      expect((await db.accessTokens.listByUser(user.id, null)).map((t) => t.token)).toEqual([
        newer,
        older,
      ]);
      expect((await db.accessTokens.listByUser(user.id, seconds(-50))).map((t) => t.token)).toEqual(
        [newer],
      );
    });

    test("deleting a user deletes its tokens (cascade)", async () => {
      const token = await issue();
      await db.users.delete(user);
      expect(await db.accessTokens.getUserByToken(token, null)).toBeNull();
      expect(await db.accessTokens.getByToken(token, null)).toBeNull();
    });

    test("large tables: getUserByToken stays an index lookup", async (context) => {
      const bulk = db.bulk;
      if (!bulk) return context.skip("the fixture gives no bulk access (DatabaseFixture.bulk)");
      await bulk.insertUsers(
        Array.from({ length: LARGE_USERS }, (_, n) => userData(`user${n}@example.com`)),
      );
      const owners = [user, await db.users.create(userData("bob@example.com"))];
      const rows = Array.from({ length: LARGE_TOKENS }, (_, n) => ({
        token: hashToken(generateToken()),
        userId: (owners[n % owners.length] as U).id,
        createdAt: seconds(-(n % 7200)),
        securityStamp: 0,
      }));
      for (let start = 0; start < rows.length; start += 1000) {
        await bulk.insertTokens(rows.slice(start, start + 1000));
      }
      const token = await issue();
      for (const notBefore of [seconds(-3600), null]) {
        const plan = await bulk.explainUserByToken(token, notBefore);
        expect(plan.fullScans, plan.text).toEqual([]);
      }
      expect((await db.accessTokens.getUserByToken(token, seconds(-3600)))?.id).toEqual(user.id);
      expect(await db.accessTokens.getUserByToken(hashToken(generateToken()), null)).toBeNull();
    });

    test("the token column holds exactly what was given, nothing derived", async () => {
      const token = await issue();
      expect(await db.storedTokens()).toEqual([token]);
    });
  });
}
