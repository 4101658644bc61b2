import { generateToken, hashToken } from "tessera-auth";
import { connect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";
import { describe, expect, it } from "vitest";
import { startMigrator } from "../support/migrator-process.js";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

const ALL = [
  "0001_adopt_existing_tables",
  "0002_create_tables",
  "0003_security_stamps",
  "0004_session_metadata",
  "0005_refresh_tokens",
  "0006_revocation_log",
  "0007_session_records",
  "0008_oauth_accounts",
  "0009_session_amr",
  "0010_second_factors",
];

describe(`migrations on ${ENGINE}`, () => {
  it("create the tables on an empty database, then have nothing left to do", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      expect(await migrateToLatest(db)).toEqual({ applied: ALL, adoption: null, addedColumns: [] });
      expect(await migrateToLatest(db)).toEqual({ applied: [], adoption: null, addedColumns: [] });
      const { users, accessTokens } = kyselyAdapter(db);
      const user = await users.create({
        email: "ada@example.com",
        hashedPassword: "x",
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      });
      const token = hashToken(generateToken());
      await accessTokens.create({
        token,
        userId: user.id,
        createdAt: new Date(),
        securityStamp: user.securityStamp,
      });
      expect(await accessTokens.getUserByToken(token, null)).toMatchObject({ id: user.id });
      const names = (await db.selectFrom("tessera_migration").select("name").execute()).map(
        (row) => row.name,
      );
      expect(names.sort()).toEqual(ALL);
    } finally {
      await close();
    }
  });

  it("0009 adds amr to the access tokens and session records already there, which read as none", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      await migrateToLatest(db);
      const { users, accessTokens } = kyselyAdapter(db);
      const user = await users.create({
        email: "ada@example.com",
        hashedPassword: "x",
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      });
      const token = hashToken(generateToken());
      await accessTokens.create({
        token,
        userId: user.id,
        createdAt: new Date(),
        securityStamp: user.securityStamp,
        amr: ["password"],
      });
      // As the database was before 0009: no amr columns, no record of the migrations since.
      for (const table of ["accesstoken", "authsession"]) {
        await db.schema.alterTable(table).dropColumn("amr").execute();
      }
      for (const table of ["passkey", "recovery_code", "totp_secret"]) {
        await db.schema.dropTable(table).execute();
      }
      await db
        .deleteFrom("tessera_migration")
        .where("name", "in", ["0009_session_amr", "0010_second_factors"])
        .execute();
      expect((await migrateToLatest(db)).applied).toEqual([
        "0009_session_amr",
        "0010_second_factors",
      ]);
      expect((await accessTokens.getByToken(token, null))?.amr).toEqual([]);
      await expect(kyselyAdapter(db).assertReady()).resolves.toBeUndefined();
    } finally {
      await close();
    }
  });

  it("keep table sets apart: custom names and id types migrate on their own", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      await migrateToLatest(db);
      const custom = {
        idType: "integer",
        userTable: "member",
        accessTokenTable: "session",
      } as const;
      expect((await migrateToLatest(db, custom)).applied).toEqual(ALL);
      const { users } = kyselyAdapter(db, custom);
      const user = await users.create({
        email: "ada@example.com",
        hashedPassword: "x",
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      });
      expect(typeof user.id).toBe("number");
      expect(await db.selectFrom("user").selectAll().execute()).toEqual([]);
    } finally {
      await close();
    }
  });

  it("run once when several processes migrate at the same moment", async () => {
    const url = await freshDatabaseUrl();
    const children = Array.from({ length: 4 }, () => startMigrator(url));
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    const reports = await Promise.all(children.map((child) => child.report));
    expect(reports.map((report) => report.applied.length).sort()).toEqual([0, 0, 0, ALL.length]);
    const { db, close } = await connect(url);
    try {
      expect(await db.selectFrom("tessera_migration").selectAll().execute()).toHaveLength(
        ALL.length,
      );
    } finally {
      await close();
    }
  });

  // Not a skip: the case does not exist on this engine.
  if (ENGINE !== "sqlite") {
    it("run once when connections race in one process (8 pools at once; not on SQLite, whose synchronous driver would block its own thread)", async () => {
      const url = await freshDatabaseUrl();
      const connections = await Promise.all(Array.from({ length: 8 }, () => connect(url)));
      try {
        const reports = await Promise.all(connections.map(({ db }) => migrateToLatest(db)));
        const applied = reports.map((report) => report.applied.length).sort();
        expect(applied).toEqual([0, 0, 0, 0, 0, 0, 0, ALL.length]);
      } finally {
        await Promise.all(connections.map(({ close }) => close()));
      }
    });
  }

  // Not a skip: the case does not exist on this engine.
  if (ENGINE !== "mysql") {
    it("leave tables made by tessera before versioned migrations as they are (hashed tokens stay; not on MySQL, which tessera never supported without migrations)", async () => {
      const { db, close } = await connect(await freshDatabaseUrl());
      try {
        await migrateToLatest(db);
        const { users, accessTokens } = kyselyAdapter(db);
        const user = await users.create({
          email: "ada@example.com",
          hashedPassword: "x",
          isActive: true,
          isSuperuser: false,
          isVerified: false,
        });
        const token = hashToken(generateToken());
        await accessTokens.create({
          token,
          userId: user.id,
          createdAt: new Date(),
          securityStamp: user.securityStamp,
        });
        // As the first release's createTables left it: the tables, no migration tables.
        await db.schema.dropTable("tessera_migration").execute();
        await db.schema.dropTable("tessera_migration_lock").execute();
        expect(await migrateToLatest(db)).toEqual({
          applied: ALL,
          adoption: null,
          addedColumns: [],
        });
        expect(await accessTokens.getUserByToken(token, null)).toMatchObject({ id: user.id });
      } finally {
        await close();
      }
    });
  }

  it("refuse a table of the same name that is not a user table, saying which", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      await db.schema
        .createTable("user")
        .addColumn("id", "integer", (column) => column.primaryKey())
        .addColumn("name", "varchar(50)")
        .execute();
      await db.schema
        .createTable("accesstoken")
        .addColumn("token", "varchar(43)", (column) => column.primaryKey())
        .execute();
      await expect(migrateToLatest(db)).rejects.toThrow(
        /table "user" exists but is not a FastAPI Users or tessera table \(no column email, hashed_password/,
      );
    } finally {
      await close();
    }
  });
});

describe(`the id type, declared once, checked at startup on ${ENGINE}`, () => {
  it("migrateToLatest refuses a table whose id column does not hold the given idType", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      await migrateToLatest(db, {
        idType: "integer",
        userTable: "member",
        accessTokenTable: "pass",
      });
      await expect(
        migrateToLatest(db, { idType: "uuid", userTable: "member", accessTokenTable: "pass" }),
      ).rejects.toThrow(/"member\.id" is .*int.*, which does not hold idType "uuid"/i);
      await migrateToLatest(db, { idType: "uuid" });
      await expect(migrateToLatest(db, { idType: "integer" })).rejects.toThrow(
        /which does not hold idType "integer"/,
      );
      // The right type passes, and a string id type takes any text column.
      expect((await migrateToLatest(db, { idType: "uuid" })).applied).toEqual([]);
    } finally {
      await close();
    }
  });
});
