import { randomUUID } from "node:crypto";
import { generateToken, hashToken, OAuthAccountAlreadyLinked, PasswordHelper } from "tessera-auth";
import { connect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";
import { describe, expect, it } from "vitest";
import { startIdp } from "../../demo/idp.js";
import {
  bearer,
  expectDetail,
  expectUnauthorized,
  jsonBody,
  TestServer,
  TOKEN,
} from "../http/harness.js";
import { CLIENT, oidcOptions, signInToken } from "../http/oauth-support.js";
import {
  createFastapiUsersTables,
  FASTAPI_USERS_OIDC_ACCOUNT,
  insertFastapiUsersOAuthAccounts,
  insertFastapiUsersRows,
  pythonHashes,
} from "../support/fastapi-users-database.js";
import { runCli } from "../support/run-cli.js";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

const NOW = new Date("2026-01-31T12:00:00.000Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const ALICE_PASSWORD = "passlib bcrypt pw";
const BOB_PASSWORD = "pwdlib argon2 pw";
const hashes = pythonHashes(ALICE_PASSWORD, BOB_PASSWORD);

describe(`adopting a FastAPI Users database on ${ENGINE}`, () => {
  it("keeps every user's password and every unexpired token, and stores no token in clear", async (context) => {
    if ("missing" in hashes) {
      if (process.env.CI === "true") throw new Error(hashes.missing);
      return context.skip(`needs ${hashes.missing}`);
    }
    expect(hashes.bcrypt).toMatch(/^\$2b\$12\$/);
    expect(hashes.argon2).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);

    // 1. A database as FastAPI Users left it.
    const url = await freshDatabaseUrl();
    const alice = { id: randomUUID(), email: "Alice@example.com", hashedPassword: hashes.bcrypt };
    const bob = { id: randomUUID(), email: "bob@example.com", hashedPassword: hashes.argon2 };
    const tokens = {
      alice: generateToken(),
      aliceExpired: generateToken(),
      bob: generateToken(),
    };
    const fastapi = await connect(url);
    try {
      await createFastapiUsersTables(fastapi.db, ENGINE);
      await insertFastapiUsersRows(
        fastapi.db,
        ENGINE,
        [
          { ...alice, isActive: true },
          { ...bob, isActive: true },
        ],
        [
          { token: tokens.alice, userId: alice.id, createdAt: ago(10) },
          { token: tokens.aliceExpired, userId: alice.id, createdAt: ago(120) },
          { token: tokens.bob, userId: bob.id, createdAt: ago(59) },
        ],
      );
      await insertFastapiUsersOAuthAccounts(fastapi.db, [
        { ...FASTAPI_USERS_OIDC_ACCOUNT, accountEmail: alice.email, userId: alice.id },
      ]);
    } finally {
      await fastapi.close();
    }

    // 2. tessera migrate recognises and adopts it; a second run has nothing to do.
    const first = await runCli(["migrate"], { DATABASE_URL: url });
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toBe(
      "adopted a FastAPI Users database: 2 users kept (their passwords are rehashed at their " +
        "next login), 3 access tokens now stored hashed\n" +
        "applied 10 migrations: 0001_adopt_existing_tables, 0002_create_tables, 0003_security_stamps, 0004_session_metadata, 0005_refresh_tokens, 0006_revocation_log, 0007_session_records, 0008_oauth_accounts, 0009_session_amr, 0010_second_factors\n",
    );
    expect(await runCli(["migrate"], { DATABASE_URL: url })).toMatchObject({
      code: 0,
      stdout: "already up to date\n",
    });

    // 3. tessera serves it: the same tokens, the same passwords.
    const passwordHelper = new PasswordHelper({ memoryCost: 1024, timeCost: 1 });
    const server = await TestServer.start({ databaseUrl: url, passwordHelper });
    try {
      server.clock.now = NOW;
      const db = server.setup.db;
      const stored = (await db.selectFrom("accesstoken").select("token").execute()).map(
        (row) => row.token,
      );
      expect(stored.sort()).toEqual(Object.values(tokens).map(hashToken).sort());

      const me = await server.me(bearer(tokens.alice));
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ id: alice.id, email: "Alice@example.com" });
      expect((await server.me(bearer(tokens.bob))).status).toBe(200);
      await expectUnauthorized(await server.me(bearer(tokens.aliceExpired)));

      // bcrypt (passlib) and argon2 (pwdlib) both log in, and are rehashed to tessera's parameters.
      for (const [email, password] of [
        ["alice@example.com", ALICE_PASSWORD],
        ["bob@example.com", BOB_PASSWORD],
      ] as const) {
        await expectDetail(
          await server.fetch("/auth/login", {
            method: "POST",
            body: new URLSearchParams({ username: email, password: `${password}!` }),
          }),
          400,
          "LOGIN_BAD_CREDENTIALS",
        );
        const token = await server.login(email, password);
        expect((await server.me(bearer(token))).status).toBe(200);
        const row = await db
          .selectFrom("user")
          .select("hashed_password")
          .where("email", "=", email === "bob@example.com" ? email : "Alice@example.com")
          .executeTakeFirstOrThrow();
        expect(row.hashed_password).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
        expect(await server.login(email, password)).toMatch(TOKEN);
      }

      // Emails stay unique ignoring case; logout revokes an adopted token.
      await expectDetail(
        await server.fetch(
          "/auth/register",
          jsonBody("POST", { email: "ALICE@example.com", password: "a new password" }),
        ),
        400,
        "REGISTER_USER_ALREADY_EXISTS",
      );
      expect(
        (await server.fetch("/auth/logout", { method: "POST", headers: bearer(tokens.alice) }))
          .status,
      ).toBe(204);
      await expectUnauthorized(await server.me(bearer(tokens.alice)));

      // No token is stored in clear.
      const after = (await db.selectFrom("accesstoken").select("token").execute()).map(
        (row) => row.token,
      );
      for (const token of Object.values(tokens)) expect(after).not.toContain(token);
    } finally {
      await server.close();
    }
  });

  it("opens FastAPI Users' linked accounts in place: same user, token in clear, each provider account linked once", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      await createFastapiUsersTables(db, ENGINE);
      const alice = { id: randomUUID(), email: "Alice@example.com", hashedPassword: "x" };
      const bob = { id: randomUUID(), email: "bob@example.com", hashedPassword: "x" };
      await insertFastapiUsersRows(
        db,
        ENGINE,
        [
          { ...alice, isActive: true },
          { ...bob, isActive: true },
        ],
        [],
      );
      await insertFastapiUsersOAuthAccounts(db, [
        { ...FASTAPI_USERS_OIDC_ACCOUNT, accountEmail: alice.email, userId: alice.id },
      ]);
      expect((await migrateToLatest(db)).adoption).toMatchObject({ from: "fastapi-users" });
      const { users, oauthAccounts, assertReady } = kyselyAdapter(db);
      await assertReady();

      const { oauthName, accountId } = FASTAPI_USERS_OIDC_ACCOUNT;
      const linked = await oauthAccounts.getByAccount(oauthName, accountId);
      expect(linked).toEqual({
        ...FASTAPI_USERS_OIDC_ACCOUNT,
        id: expect.any(String),
        accountEmail: "Alice@example.com",
        userId: alice.id,
      });
      if (!linked) return;
      expect(await oauthAccounts.listByUser(alice.id)).toEqual([linked]);
      // The unique index: through the store, and under it.
      const { id: _, ...same } = linked;
      await expect(oauthAccounts.add({ ...same, userId: bob.id })).rejects.toThrow(
        OAuthAccountAlreadyLinked,
      );
      await expect(
        db
          .insertInto("oauth_account")
          .values({
            id: randomUUID(),
            oauth_name: oauthName,
            access_token: "x",
            account_id: accountId,
            account_email: bob.email,
            user_id: bob.id,
          })
          .execute(),
      ).rejects.toThrow();
      // Ids compare exactly (MySQL's table collation ignored case), and the token columns
      // hold an encrypted token, longer than FastAPI Users' 1024 characters.
      expect(await oauthAccounts.getByAccount(oauthName, accountId.toUpperCase())).toBeNull();
      const encrypted = `tessera-enc:v1:${"x".repeat(2_400)}`;
      await oauthAccounts.update(linked, { accessToken: encrypted, refreshToken: encrypted });
      expect(await oauthAccounts.getByAccount(oauthName, accountId)).toMatchObject({
        accessToken: encrypted,
        refreshToken: encrypted,
      });
      // Deleting the user still unlinks the account (FastAPI Users' cascade).
      const user = await users.get(alice.id);
      expect(user).not.toBeNull();
      if (user) await users.delete(user);
      expect(await oauthAccounts.getByAccount(oauthName, accountId)).toBeNull();
    } finally {
      await close();
    }
  });

  it("refuses, in one line, a linked account table it cannot make unique, or that is not FastAPI Users'", async () => {
    const url = await freshDatabaseUrl();
    const { db, close } = await connect(url);
    try {
      await createFastapiUsersTables(db, ENGINE);
      const alice = { id: randomUUID(), email: "alice@example.com", hashedPassword: "x" };
      const bob = { id: randomUUID(), email: "bob@example.com", hashedPassword: "x" };
      await insertFastapiUsersRows(
        db,
        ENGINE,
        [
          { ...alice, isActive: true },
          { ...bob, isActive: true },
        ],
        [],
      );
      // Two racing callbacks linked one provider account twice, as FastAPI Users allows.
      const twice = { ...FASTAPI_USERS_OIDC_ACCOUNT, accountEmail: alice.email };
      await insertFastapiUsersOAuthAccounts(db, [
        { ...twice, userId: alice.id },
        { ...twice, userId: bob.id },
        { ...twice, accountId: "carol", userId: bob.id },
      ]);
      const failed = await migrateToLatest(db).catch((error: Error) => error);
      expect(failed).toBeInstanceOf(Error);
      const { message } = failed as Error;
      expect(message).not.toContain("\n");
      expect(message).toMatch(
        /^tessera migration 0008_oauth_accounts failed: cannot make provider accounts unique in "oauth_account": 1 \(oauth_name, account_id\) pairs are linked more than once .*then migrate again\.$/,
      );
      await db.deleteFrom("oauth_account").where("user_id", "=", bob.id).execute();
      expect((await migrateToLatest(db)).applied).toContain("0008_oauth_accounts");
    } finally {
      await close();
    }

    const other = await connect(await freshDatabaseUrl());
    try {
      await createFastapiUsersTables(other.db, ENGINE);
      await other.db.schema.dropTable("oauth_account").execute();
      await other.db.schema
        .createTable("oauth_account")
        .addColumn("id", "varchar(36)", (column) => column.primaryKey())
        .addColumn("provider", "varchar(100)")
        .execute();
      await expect(migrateToLatest(other.db)).rejects.toThrow(
        'tessera migration 0008_oauth_accounts failed: table "oauth_account" exists but is not a ' +
          "FastAPI Users or tessera oauth_account table (no column oauth_name, access_token, " +
          "expires_at, refresh_token, account_id, account_email, user_id); pick another name " +
          "with oauthAccountTable",
      );
    } finally {
      await other.close();
    }
  });

  it("after migrate, a user FastAPI Users linked signs in through the provider and keeps their id", async () => {
    const url = await freshDatabaseUrl();
    const fastapi = await connect(url);
    const alice = { id: randomUUID(), email: "alice@fastapi.example", hashedPassword: "x" };
    try {
      await createFastapiUsersTables(fastapi.db, ENGINE);
      await insertFastapiUsersRows(fastapi.db, ENGINE, [{ ...alice, isActive: true }], []);
      await insertFastapiUsersOAuthAccounts(fastapi.db, [
        { ...FASTAPI_USERS_OIDC_ACCOUNT, accountEmail: alice.email, userId: alice.id },
      ]);
    } finally {
      await fastapi.close();
    }
    expect(await runCli(["migrate"], { DATABASE_URL: url })).toMatchObject({ code: 0 });

    // The provider knows her by the subject FastAPI Users stored, under an email of its own.
    const person = {
      sub: FASTAPI_USERS_OIDC_ACCOUNT.accountId,
      email: "alice@provider.example",
      emailVerified: true,
      name: "Alice",
      password: "alice-at-the-provider",
    };
    const idp = await startIdp({ clients: [CLIENT], users: [person] });
    const server = await TestServer.start({ databaseUrl: url, oidc: oidcOptions(idp) });
    try {
      const token = await signInToken(server, person);
      const me = await server.me(bearer(token));
      expect(await me.json()).toMatchObject({ id: alice.id, email: alice.email });
      // The sign-in stored the provider's new tokens, encrypted, in the row FastAPI Users made.
      const rows = await server.rows("oauth_account");
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: alice.id, account_email: person.email });
      expect(String(rows[0]?.access_token)).toMatch(/^tessera-enc:v1:/);
    } finally {
      await server.close();
      await idp.close();
    }
  });
});
