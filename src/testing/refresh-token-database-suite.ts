import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccessToken, RefreshToken, User } from "../core/models.js";
import { type RefreshTokenDatabase, SUPERSEDED_STAMP } from "../sessions/refresh-token-database.js";
import { generateToken, hashToken } from "../sessions/tokens.js";
import type { DatabaseFixture, DatabaseSuiteOptions } from "./factory.js";
import { userData } from "./user-database-suite.js";

const T0 = new Date("2026-01-31T12:00:00.000Z");
const seconds = (n: number) => new Date(T0.getTime() + n * 1000);

/**
 * The `RefreshTokenDatabase` conformance suite: sessions stored atomically,
 * the rotation's compare-and-set alone and under concurrency, the session
 * record that rotations advance and revocations delete first (raced against
 * each other), family deletion, stamps, listing and batched expiry. Runs when
 * the fixture has `refreshTokens`.
 */
export function runRefreshTokenDatabaseSuite<U extends User<ID>, ID>(
  name: string,
  options: DatabaseSuiteOptions<U, ID>,
): void {
  describe(`RefreshTokenDatabase conformance: ${name}`, () => {
    let db: DatabaseFixture<U, ID>;
    let refresh: RefreshTokenDatabase<U, ID>;
    let user: U;
    beforeEach(async (context) => {
      db = await options.create();
      if (!db.refreshTokens) {
        await db.dispose?.();
        context.skip("this adapter has no refresh-token store");
      }
      refresh = db.refreshTokens as RefreshTokenDatabase<U, ID>;
      user = await db.users.create(userData("ada@example.com"));
    });
    afterEach(async () => {
      await db?.dispose?.();
    });

    const access = (family: string, owner: U = user, createdAt = T0): AccessToken<ID> => ({
      token: hashToken(generateToken()),
      userId: owner.id,
      createdAt,
      securityStamp: owner.securityStamp,
      family,
    });
    const refreshRow = (
      family: string,
      owner: U = user,
      createdAt = T0,
      amr = ["password"],
    ): RefreshToken<ID> => ({
      token: hashToken(generateToken()),
      family,
      userId: owner.id,
      securityStamp: owner.securityStamp,
      createdAt,
      usedAt: null,
      sessionCreatedAt: T0,
      ip: "192.0.2.1",
      userAgent: "Suite/1",
      label: null,
      amr,
    });
    const family = () => hashToken(generateToken()).slice(0, 22);
    /** A stored pair of a new family. */
    const session = async (owner: U = user, createdAt = T0, amr = ["password"]) => {
      const id = family();
      const pair = {
        access: { ...access(id, owner, createdAt), amr },
        refresh: refreshRow(id, owner, createdAt, amr),
      };
      await refresh.create(pair.access, pair.refresh);
      return { id, ...pair };
    };

    it("create stores the pair; find reads the refresh token back with its user", async () => {
      const { id, access: a, refresh: r } = await session();
      expect(await db.accessTokens.getByToken(a.token, null)).toMatchObject({ family: id });
      const found = await refresh.find(r.token, null);
      expect(found).toEqual({ refresh: r, user: expect.objectContaining({ id: user.id }) });
      expect(await refresh.find(hashToken(generateToken()), null)).toBeNull();
      expect(await refresh.find("' OR '1'='1", null)).toBeNull();
    });

    it("create is both or neither: a refresh token that cannot be stored leaves no access token", async () => {
      const { refresh: taken } = await session();
      const id = family();
      const orphan = access(id);
      await expect(
        refresh.create(orphan, { ...refreshRow(id), token: taken.token }),
      ).rejects.toThrow();
      expect(await db.accessTokens.getByToken(orphan.token, null)).toBeNull();
    });

    it("find applies the expiry bound, and gives no user once the user's stamp moved", async () => {
      const { refresh: r } = await session();
      expect(await refresh.find(r.token, T0)).not.toBeNull();
      expect(await refresh.find(r.token, seconds(0.001))).toBeNull();
      await db.users.update(user, { securityStamp: user.securityStamp + 1 });
      expect((await refresh.find(r.token, null))?.user).toBeNull();
    });

    it("rotate uses a token once: the family's access tokens are superseded, the new pair stored", async () => {
      const { id, access: a, refresh: r } = await session();
      const next = {
        access: access(id, user, seconds(60)),
        refresh: refreshRow(id, user, seconds(60)),
      };
      expect(await refresh.rotate(r.token, seconds(60), next.access, next.refresh)).toBe("rotated");
      // Superseded: no user found by it, but its row still names its session (for a logout).
      expect(await db.accessTokens.getUserByToken(a.token, null)).toBeNull();
      expect(await db.accessTokens.getByToken(a.token, null)).toMatchObject({
        family: id,
        securityStamp: SUPERSEDED_STAMP,
      });
      expect(await db.accessTokens.getUserByToken(next.access.token, null)).not.toBeNull();
      expect((await refresh.find(r.token, null))?.refresh.usedAt).toEqual(seconds(60));
      const again = { access: access(id), refresh: refreshRow(id) };
      expect(await refresh.rotate(r.token, seconds(61), again.access, again.refresh)).toBe("used");
      expect(await db.accessTokens.getByToken(again.access.token, null)).toBeNull();
      expect(await refresh.find(again.refresh.token, null)).toBeNull();
    });

    it("rotate from many callers at once: exactly one wins, one access token is left", async () => {
      const { id, refresh: r } = await session();
      const attempts = Array.from({ length: 8 }, () => ({
        access: access(id),
        refresh: refreshRow(id),
      }));
      const won = await Promise.all(
        attempts.map((next) => refresh.rotate(r.token, seconds(5), next.access, next.refresh)),
      );
      expect(won.filter((result) => result === "rotated")).toHaveLength(1);
      expect(won.filter((result) => result === "used")).toHaveLength(7);
      const left = (await db.accessTokens.listByUser(user.id, null)).filter(
        (t) => t.family === id && t.securityStamp !== SUPERSEDED_STAMP,
      );
      expect(left).toHaveLength(1);
      expect(await refresh.listByUser(user.id, null)).toHaveLength(1);
    });

    it("deleteFamily ends one family's access and refresh tokens, no other", async () => {
      const doomed = await session();
      const kept = await session();
      expect(await refresh.deleteFamily(doomed.id)).toBe(1);
      expect(await db.accessTokens.getByToken(doomed.access.token, null)).toBeNull();
      expect(await refresh.find(doomed.refresh.token, null)).toBeNull();
      expect(await db.accessTokens.getByToken(kept.access.token, null)).not.toBeNull();
      expect(await refresh.find(kept.refresh.token, null)).not.toBeNull();
      expect(await refresh.deleteFamily(doomed.id)).toBe(0);
    });

    it("deleteByUser ends every family but the kept one, access tokens and records included", async () => {
      const kept = await session();
      const ended = [await session(), await session()];
      const bob = await db.users.create(userData("bob@example.com"));
      const bobs = await session(bob);
      expect(await refresh.deleteByUser(user.id, { keepFamily: kept.id })).toBe(2);
      expect((await refresh.listByUser(user.id, null)).map((r) => r.family)).toEqual([kept.id]);
      for (const gone of ended) {
        expect(await db.accessTokens.getByToken(gone.access.token, null)).toBeNull();
        expect(await refresh.getSession(gone.id)).toBeNull();
      }
      expect(await db.accessTokens.getByToken(kept.access.token, null)).not.toBeNull();
      expect(await refresh.getSession(kept.id)).not.toBeNull();
      expect(await refresh.find(bobs.refresh.token, null)).not.toBeNull();
      expect(await db.accessTokens.getByToken(bobs.access.token, null)).not.toBeNull();
      expect(await refresh.deleteByUser(user.id)).toBe(1);
      expect(await db.accessTokens.getByToken(kept.access.token, null)).toBeNull();
    });

    it("a session's record: stored by create with the session's start, untouched by rotations", async () => {
      const { id, refresh: r } = await session(user, seconds(-30));
      expect(await refresh.getSession(id)).toEqual({
        id,
        userId: user.id,
        createdAt: T0,
        amr: ["password"],
      });
      const next = {
        access: access(id, user, seconds(60)),
        refresh: refreshRow(id, user, seconds(60)),
      };
      await refresh.rotate(r.token, seconds(60), next.access, next.refresh);
      expect((await refresh.getSession(id))?.createdAt).toEqual(T0);
      expect(await refresh.getSession(family())).toBeNull();
      expect(await refresh.getSession("' OR '1'='1")).toBeNull();
    });

    it("a session's amr: on its record and first access token, read by find and listByUser, kept by every rotation", async () => {
      const amr = ["password", "otp"];
      const { id, access: a, refresh: r } = await session(user, T0, amr);
      expect((await db.accessTokens.getByToken(a.token, null))?.amr).toEqual(amr);
      expect((await refresh.getSession(id))?.amr).toEqual(amr);
      expect((await refresh.find(r.token, null))?.refresh.amr).toEqual(amr);
      let used = r;
      for (const at of [60, 120]) {
        // The record's amr, whatever the rows a rotation is given say.
        const next = {
          access: { ...access(id, user, seconds(at)), amr: ["other"] },
          refresh: refreshRow(id, user, seconds(at), []),
        };
        expect(await refresh.rotate(used.token, seconds(at), next.access, next.refresh)).toBe(
          "rotated",
        );
        expect((await db.accessTokens.getByToken(next.access.token, null))?.amr).toEqual(amr);
        expect((await refresh.find(next.refresh.token, null))?.refresh.amr).toEqual(amr);
        used = next.refresh;
      }
      expect((await refresh.listByUser(user.id, null)).map((row) => row.amr)).toEqual([amr]);
      expect((await refresh.getSession(id))?.amr).toEqual(amr);
    });

    it("a session with no amr (as one from before it was recorded) reads none, before and after a rotation", async () => {
      const { id, access: a, refresh: r } = await session(user, T0, []);
      expect((await db.accessTokens.getByToken(a.token, null))?.amr).toEqual([]);
      expect((await refresh.getSession(id))?.amr).toEqual([]);
      const next = {
        access: access(id, user, seconds(60)),
        refresh: refreshRow(id, user, seconds(60)),
      };
      await refresh.rotate(r.token, seconds(60), next.access, next.refresh);
      expect((await db.accessTokens.getByToken(next.access.token, null))?.amr).toEqual([]);
      expect((await refresh.listByUser(user.id, null)).map((row) => row.amr)).toEqual([[]]);
    });

    it("rotate after the session ended answers ended and stores nothing", async () => {
      const { id, refresh: r } = await session();
      await refresh.deleteFamily(id);
      expect(await refresh.getSession(id)).toBeNull();
      const next = { access: access(id), refresh: refreshRow(id) };
      expect(await refresh.rotate(r.token, seconds(5), next.access, next.refresh)).toBe("ended");
      expect(await db.accessTokens.getByToken(next.access.token, null)).toBeNull();
      expect(await refresh.find(next.refresh.token, null)).toBeNull();
    });

    it("rotations raced against revocations never leave a token of the ended session", async () => {
      for (let round = 0; round < 12; round++) {
        const started = await session();
        const other = await session();
        const next = { access: access(started.id), refresh: refreshRow(started.id) };
        const revoke =
          round % 2 === 0
            ? refresh.deleteFamily(started.id)
            : refresh.deleteByUser(user.id, { keepFamily: other.id });
        const [rotated] = await Promise.all([
          refresh.rotate(started.refresh.token, seconds(5), next.access, next.refresh),
          revoke,
        ]);
        expect(["rotated", "ended"]).toContain(rotated);
        const left = (await db.accessTokens.listByUser(user.id, null)).filter(
          (t) => t.family === started.id,
        );
        expect(left, `round ${round}: access tokens of the ended session`).toEqual([]);
        expect(await refresh.find(next.refresh.token, null), `round ${round}`).toBeNull();
        expect(await refresh.getSession(started.id)).toBeNull();
        await refresh.deleteByUser(user.id);
      }
    });

    it("restampFamily moves a family's unused tokens from one stamp only", async () => {
      const { id, refresh: r } = await session();
      const changed = (await db.users.update(user, { securityStamp: 1 })) as U;
      await refresh.restampFamily(id, 7, 1);
      expect((await refresh.find(r.token, null))?.user).toBeNull();
      await refresh.restampFamily(id, 0, 1);
      expect((await refresh.find(r.token, null))?.user?.id).toEqual(changed.id);
    });

    it("listByUser lists unused tokens by session start, newest first, within the bound", async () => {
      const old = await session(user, seconds(-100));
      const recent = await session(user, seconds(0));
      const next = { access: access(recent.id), refresh: refreshRow(recent.id, user, seconds(10)) };
      await refresh.rotate(recent.refresh.token, seconds(10), next.access, next.refresh);
      const listed = await refresh.listByUser(user.id, null);
      expect(listed.map((r) => r.token).sort()).toEqual(
        [old.refresh.token, next.refresh.token].sort(),
      );
      expect((await refresh.listByUser(user.id, seconds(-50))).map((r) => r.token)).toEqual([
        next.refresh.token,
      ]);
    });

    it("deleteExpired deletes used and unused tokens past the bound, in batches", async () => {
      for (let i = 0; i < 7; i++) await session(user, seconds(-100 - i));
      const fresh = await session(user, seconds(0));
      expect(await refresh.deleteExpired(seconds(-50), { batchSize: 3 })).toBe(7);
      expect(await refresh.deleteExpired(seconds(-50))).toBe(0);
      expect((await refresh.listByUser(user.id, null)).map((r) => r.token)).toEqual([
        fresh.refresh.token,
      ]);
    });

    it("deleteExpired deletes the records of sessions started before the bound with no token left", async () => {
      // Both sessions start at T0 (the record's start), their first tokens 100 s earlier.
      const expired = await session(user, seconds(-100));
      const live = await session(user, seconds(-100));
      const next = { access: access(live.id), refresh: refreshRow(live.id, user, seconds(10)) };
      await refresh.rotate(live.refresh.token, seconds(10), next.access, next.refresh);
      await refresh.deleteExpired(seconds(-50));
      // No token left, but the session started after the bound: a login may be storing it.
      expect(await refresh.getSession(expired.id)).not.toBeNull();
      await refresh.deleteExpired(seconds(5));
      expect(await refresh.getSession(expired.id)).toBeNull();
      expect(await refresh.getSession(live.id)).not.toBeNull();
    });
  });
}
