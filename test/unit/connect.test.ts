import { connect, migrateToLatest } from "tessera-auth/kysely";
import { describe, expect, it } from "vitest";

describe("connect(url)", () => {
  it("refuses a URL of an unknown scheme, naming the forms it takes", async () => {
    for (const url of ["redis://localhost:6379", "mongodb://u:secret@host/db", "tessera.db"]) {
      const error = await connect(url).then(
        () => null,
        (caught: unknown) => caught as Error,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error?.message).toMatch(
        /^Unsupported DATABASE_URL scheme ".*": use sqlite:<path>, postgres:\/\/.*mysql:\/\//,
      );
      expect(error?.message).not.toContain("secret");
    }
  });

  it("opens SQLite in memory, ready to migrate", async () => {
    const { db, engine, close } = await connect("sqlite::memory:");
    try {
      expect(engine).toBe("sqlite");
      expect((await migrateToLatest(db)).applied).toHaveLength(10);
    } finally {
      await close();
    }
  });

  it("refuses table names that are not plain identifiers", async () => {
    const { db, close } = await connect("sqlite::memory:");
    try {
      await expect(migrateToLatest(db, { userTable: "user; drop table x" })).rejects.toThrow(
        /table name "user; drop table x" must be letters, digits and underscores/,
      );
    } finally {
      await close();
    }
  });
});
