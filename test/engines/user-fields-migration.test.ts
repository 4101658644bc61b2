import { defineUserFields } from "tessera-auth";
import { connect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";
import { describe, expect, it } from "vitest";
import { startMigrator } from "../support/migrator-process.js";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

const ADA = {
  email: "ada@example.com",
  hashedPassword: "x",
  isActive: true,
  isSuperuser: false,
  isVerified: false,
};

const first = defineUserFields({ displayName: { type: "string", maxLength: 80 } });

/** `first`, and later fields of every type, with defaults that need escaping. */
const later = defineUserFields({
  ...first,
  motto: { type: "string", default: "it's a \\ test" },
  karma: { type: "integer", default: -3 },
  score: { type: "number", default: 0.5 },
  admin: { type: "boolean", default: true },
  bio: { type: "string", maxLength: 5000 },
});

describe(`custom user field columns on ${ENGINE}`, () => {
  it("are added once; rows that existed get the defaults, or null", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      expect((await migrateToLatest(db, { userFields: first })).addedColumns).toEqual([
        "display_name",
      ]);
      const before = await kyselyAdapter(db, { userFields: first }).users.create({
        ...ADA,
        displayName: "Ada",
      } as typeof ADA);
      expect(before).toMatchObject({ displayName: "Ada" });

      const report = await migrateToLatest(db, { userFields: later });
      expect(report).toEqual({
        applied: [],
        adoption: null,
        addedColumns: ["motto", "karma", "score", "admin", "bio"],
      });
      expect((await migrateToLatest(db, { userFields: later })).addedColumns).toEqual([]);

      const { users } = kyselyAdapter(db, { userFields: later });
      const read = await users.get(before.id);
      expect(read).toMatchObject({
        displayName: "Ada",
        motto: "it's a \\ test",
        karma: -3,
        score: 0.5,
        admin: true,
        bio: null,
      });
      // A new row gets the defaults from the database too.
      const grace = await users.create({ ...ADA, email: "grace@example.com" });
      expect(grace).toMatchObject({ displayName: null, motto: "it's a \\ test", admin: true });
      // Columns with a default are NOT NULL.
      await expect(
        db.updateTable("user").set({ karma: null }).where("id", "=", grace.id).execute(),
      ).rejects.toThrow();
      const long = "x".repeat(5000);
      const updated = await users.update(grace, { bio: long, admin: false } as never);
      expect(await users.get(grace.id)).toEqual(updated);
      expect(updated).toMatchObject({ bio: long, admin: false });
    } finally {
      await close();
    }
  });

  it("an existing column is used as it is", async () => {
    const { db, close } = await connect(await freshDatabaseUrl());
    try {
      await migrateToLatest(db);
      await db.schema.alterTable("user").addColumn("nick", "varchar(30)").execute();
      const fields = defineUserFields({ nickname: { type: "string", column: "nick" } });
      expect((await migrateToLatest(db, { userFields: fields })).addedColumns).toEqual([]);
      const { users } = kyselyAdapter(db, { userFields: fields });
      const user = await users.create({ ...ADA, nickname: "ada" } as typeof ADA);
      expect(await users.get(user.id)).toMatchObject({ nickname: "ada" });
    } finally {
      await close();
    }
  });

  it("processes starting at the same moment add each column once", async () => {
    const url = await freshDatabaseUrl();
    const env = { TESSERA_USER_FIELDS: JSON.stringify(later) };
    const children = Array.from({ length: 3 }, () => startMigrator(url, env));
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    const reports = await Promise.all(children.map((child) => child.report));
    expect(reports.flatMap((report) => report.addedColumns).sort()).toEqual(
      ["admin", "bio", "display_name", "karma", "motto", "score"].sort(),
    );
  });
});
