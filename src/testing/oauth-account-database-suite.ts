import { afterEach, beforeEach, describe, expect } from "vitest";
import type { User } from "../core/models.js";
import {
  type OAuthAccount,
  OAuthAccountAlreadyLinked,
  type OAuthAccountCreate,
  type OAuthAccountDatabase,
} from "../oauth/oauth-account.js";
import { caseOf, type DatabaseFixture, type DatabaseSuiteOptions } from "./factory.js";
import { userData } from "./user-database-suite.js";

/** Rounds of each race: enough for a store without the right lock to lose one. */
const ROUNDS = 8;

/** An encrypted token's length, as `tessera-enc:v1:` and base64url make it of a long provider token. */
const LONG = 2_400;

/**
 * The `OAuthAccountDatabase` conformance suite: linking, the uniqueness of a
 * provider account (also under concurrent links), updates, unlinking with
 * and without `keepLast` (also two unlinks racing on a user's last two
 * accounts), cascade on user deletion, long tokens and awkward text. Runs
 * when the fixture has `oauthAccounts`.
 */
export function runOAuthAccountDatabaseSuite<U extends User<ID>, ID>(
  name: string,
  options: DatabaseSuiteOptions<U, ID>,
): void {
  const test = caseOf(options.skip);

  describe(`OAuthAccountDatabase conformance: ${name}`, () => {
    let db: DatabaseFixture<U, ID>;
    let accounts: OAuthAccountDatabase<ID>;
    let user: U;
    beforeEach(async (context) => {
      db = await options.create();
      if (!db.oauthAccounts) {
        await db.dispose?.();
        context.skip("this adapter has no OAuth account store");
      }
      accounts = db.oauthAccounts as OAuthAccountDatabase<ID>;
      user = await db.users.create(userData("ada@example.com"));
    });
    afterEach(async () => {
      await db?.dispose?.();
    });

    const link = (
      oauthName: string,
      accountId: string,
      owner: U = user,
      more: Partial<OAuthAccountCreate<ID>> = {},
    ): OAuthAccountCreate<ID> => ({
      oauthName,
      accountId,
      accessToken: `access-${oauthName}-${accountId}`,
      expiresAt: 1_800_000_000,
      refreshToken: null,
      accountEmail: owner.email,
      userId: owner.id,
      ...more,
    });

    test("add stores the account; getByAccount and listByUser read it back", async () => {
      const data = link("google", "100", user, { refreshToken: "refresh-1" });
      const added = await accounts.add(data);
      expect(added).toEqual({ ...data, id: expect.any(String) });
      expect(await accounts.getByAccount("google", "100")).toEqual(added);
      expect(await accounts.listByUser(user.id)).toEqual([added]);
      const other = await accounts.add(link("github", "100"));
      expect(other.id).not.toBe(added.id);
    });

    test("listByUser orders by oauthName, then accountId, and lists no one else's", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      await accounts.add(link("google", "200"));
      await accounts.add(link("oidc", "bob", bob));
      await accounts.add(link("github", "300"));
      await accounts.add(link("google", "100"));
      const listed = await accounts.listByUser(user.id);
      expect(listed.map((a) => [a.oauthName, a.accountId])).toEqual([
        ["github", "300"],
        ["google", "100"],
        ["google", "200"],
      ]);
      expect((await accounts.listByUser(bob.id)).map((a) => a.accountId)).toEqual(["bob"]);
    });

    test("a provider account links once: a second add throws OAuthAccountAlreadyLinked, for the same user or another", async () => {
      const first = await accounts.add(link("google", "100"));
      const bob = await db.users.create(userData("bob@example.com"));
      await expect(accounts.add(link("google", "100"))).rejects.toThrow(OAuthAccountAlreadyLinked);
      await expect(accounts.add(link("google", "100", bob))).rejects.toThrow(
        OAuthAccountAlreadyLinked,
      );
      expect(await accounts.getByAccount("google", "100")).toEqual(first);
      expect(await accounts.listByUser(bob.id)).toEqual([]);
    });

    test("concurrent links of one provider account: exactly one wins", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      for (let round = 0; round < ROUNDS; round++) {
        const owners = [user, bob, user, bob];
        const outcomes = await Promise.allSettled(
          owners.map((owner) => accounts.add(link("google", `race-${round}`, owner))),
        );
        const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
        expect(won, `round ${round}`).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") {
            expect(outcome.reason).toBeInstanceOf(OAuthAccountAlreadyLinked);
          }
        }
        const stored = await accounts.getByAccount("google", `race-${round}`);
        expect(stored).toEqual((won[0] as PromiseFulfilledResult<OAuthAccount<ID>>).value);
      }
    });

    test("one account id at two providers is two accounts; ids compare exactly (case matters)", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      const atGoogle = await accounts.add(link("google", "same-id"));
      const atGithub = await accounts.add(link("github", "same-id", bob));
      const upper = await accounts.add(link("google", "Same-ID", bob));
      expect(await accounts.getByAccount("google", "same-id")).toEqual(atGoogle);
      expect(await accounts.getByAccount("github", "same-id")).toEqual(atGithub);
      expect(await accounts.getByAccount("google", "Same-ID")).toEqual(upper);
      expect(await accounts.getByAccount("GOOGLE", "same-id")).toBeNull();
      expect(await accounts.getByAccount("google", "same-id ")).toBeNull();
    });

    test("update stores new tokens, expiry and email, and answers the row; null once it is gone", async () => {
      const added = await accounts.add(link("google", "100"));
      const change = {
        accessToken: "access-2",
        refreshToken: "refresh-2",
        expiresAt: 1_900_000_000,
        accountEmail: "ada@new.example",
      };
      const updated = await accounts.update(added, change);
      expect(updated).toEqual({ ...added, ...change });
      expect(await accounts.getByAccount("google", "100")).toEqual(updated);
      const cleared = await accounts.update(updated as OAuthAccount<ID>, {
        refreshToken: null,
        expiresAt: null,
      });
      expect(cleared).toEqual({ ...updated, refreshToken: null, expiresAt: null });
      expect(await accounts.getByAccount("google", "100")).toEqual(cleared);
      // The same values again still find the row (a store counting changed rows would not).
      expect(
        await accounts.update(cleared as OAuthAccount<ID>, { accessToken: "access-2" }),
      ).toEqual(cleared);
      expect(await accounts.update(added, { accessToken: "access-3" })).toMatchObject({
        accessToken: "access-3",
      });
      await accounts.deleteByUser(user.id, "google", false);
      expect(await accounts.update(added, { accessToken: "access-4" })).toBeNull();
      expect(await accounts.getByAccount("google", "100")).toBeNull();
    });

    test("deleteByUser unlinks the user's accounts at one provider: deleted, then none", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      await accounts.add(link("google", "100"));
      await accounts.add(link("google", "101"));
      const kept = await accounts.add(link("github", "200"));
      const bobs = await accounts.add(link("google", "300", bob));
      expect(await accounts.deleteByUser(user.id, "google", false)).toBe("deleted");
      expect(await accounts.listByUser(user.id)).toEqual([kept]);
      expect(await accounts.listByUser(bob.id)).toEqual([bobs]);
      expect(await accounts.deleteByUser(user.id, "google", false)).toBe("none");
      expect(await accounts.deleteByUser(user.id, "gitlab", true)).toBe("none");
      expect(await accounts.deleteByUser(user.id, "github", false)).toBe("deleted");
      expect(await accounts.listByUser(user.id)).toEqual([]);
    });

    test("keepLast refuses to unlink the only account, and unlinks when another remains", async () => {
      const only = await accounts.add(link("google", "100"));
      expect(await accounts.deleteByUser(user.id, "google", true)).toBe("last");
      expect(await accounts.listByUser(user.id)).toEqual([only]);
      const other = await accounts.add(link("github", "200"));
      expect(await accounts.deleteByUser(user.id, "google", true)).toBe("deleted");
      expect(await accounts.listByUser(user.id)).toEqual([other]);
      expect(await accounts.deleteByUser(user.id, "github", true)).toBe("last");
      // Every account at one provider is still the last: none would remain.
      await accounts.add(link("github", "201"));
      expect(await accounts.deleteByUser(user.id, "github", true)).toBe("last");
      expect(await accounts.listByUser(user.id)).toHaveLength(2);
    });

    test("two unlinks with keepLast racing on a user's last two accounts leave at least one", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await accounts.add(link("google", `g-${round}`));
        await accounts.add(link("github", `h-${round}`));
        const outcomes = await Promise.all([
          accounts.deleteByUser(user.id, "google", true),
          accounts.deleteByUser(user.id, "github", true),
        ]);
        const left = await accounts.listByUser(user.id);
        expect(left.length, `round ${round}: ${outcomes.join(", ")}`).toBeGreaterThanOrEqual(1);
        expect(outcomes.filter((outcome) => outcome === "deleted").length).toBe(2 - left.length);
        for (const outcome of outcomes) expect(["deleted", "last"]).toContain(outcome);
        for (const account of left) await accounts.deleteByUser(user.id, account.oauthName, false);
      }
    });

    test("deleting the user deletes their accounts, and no one else's", async () => {
      const bob = await db.users.create(userData("bob@example.com"));
      await accounts.add(link("google", "100"));
      await accounts.add(link("github", "200"));
      const bobs = await accounts.add(link("google", "300", bob));
      await db.users.delete(user);
      expect(await accounts.listByUser(user.id)).toEqual([]);
      expect(await accounts.getByAccount("google", "100")).toBeNull();
      expect(await accounts.getByAccount("github", "200")).toBeNull();
      expect(await accounts.getByAccount("google", "300")).toEqual(bobs);
      // The provider account is free again.
      const again = await accounts.add(link("google", "100", bob));
      expect(again.userId).toEqual(bob.id);
    });

    test("long tokens (encrypted ones are longer than FastAPI Users' 1024) round-trip", async () => {
      const accessToken = `tessera-enc:v1:${"A".repeat(LONG)}`;
      const refreshToken = `tessera-enc:v1:${"b".repeat(LONG + 100)}`;
      const added = await accounts.add(link("azure", "long", user, { accessToken, refreshToken }));
      expect(await accounts.getByAccount("azure", "long")).toEqual(added);
      const longer = `tessera-enc:v1:${"C".repeat(LONG * 2)}`;
      await accounts.update(added, { accessToken: longer, refreshToken: longer });
      expect(await accounts.getByAccount("azure", "long")).toMatchObject({
        accessToken: longer,
        refreshToken: longer,
      });
    });

    test("SQL metacharacters and unicode in names, ids and emails round-trip", async () => {
      const awkward = [
        ["oidc", "' OR '1'='1", "o'brien@example.com"],
        ["oidc", 'x"; drop table user; --', "ünïcødé@exämple.com"],
        ["oidc", "%_\\", "山田@例え.jp"],
        ["gïthub", "🙂-𝒳", "emoji🙂@example.com"],
      ] as const;
      for (const [oauthName, accountId, accountEmail] of awkward) {
        const added = await accounts.add(link(oauthName, accountId, user, { accountEmail }));
        expect(await accounts.getByAccount(oauthName, accountId)).toEqual(added);
      }
      expect(await accounts.getByAccount("oidc", "%")).toBeNull();
      expect(await accounts.getByAccount("oidc", "' OR 1=1 --")).toBeNull();
      expect((await accounts.listByUser(user.id)).map((a) => a.accountEmail).sort()).toEqual(
        awkward.map(([, , email]) => email).sort(),
      );
    });

    test("unknown lookups answer null and []", async () => {
      await accounts.add(link("google", "100"));
      expect(await accounts.getByAccount("google", "101")).toBeNull();
      expect(await accounts.getByAccount("github", "100")).toBeNull();
      expect(await accounts.getByAccount("", "")).toBeNull();
      expect(await accounts.listByUser(options.unknownId)).toEqual([]);
      expect(await accounts.deleteByUser(options.unknownId, "google", false)).toBe("none");
      expect(await accounts.deleteByUser(options.unknownId, "google", true)).toBe("none");
    });
  });
}
