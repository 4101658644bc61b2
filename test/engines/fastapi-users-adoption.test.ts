import { randomUUID } from "node:crypto";
import { generateToken, hashToken, PasswordHelper } from "tessera-auth";
import { connect } from "tessera-auth/kysely";
import { describe, expect, it } from "vitest";
import {
  bearer,
  expectDetail,
  expectUnauthorized,
  jsonBody,
  TestServer,
  TOKEN,
} from "../http/harness.js";
import {
  createFastapiUsersTables,
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
    } finally {
      await fastapi.close();
    }

    // 2. tessera migrate recognises and adopts it; a second run has nothing to do.
    const first = await runCli(["migrate"], { DATABASE_URL: url });
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toBe(
      "adopted a FastAPI Users database: 2 users kept (their passwords are rehashed at their " +
        "next login), 3 access tokens now stored hashed\n" +
        "applied 9 migrations: 0001_adopt_existing_tables, 0002_create_tables, 0003_security_stamps, 0004_session_metadata, 0005_refresh_tokens, 0006_revocation_log, 0007_session_records, 0008_oauth_accounts, 0009_session_amr\n",
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
});
