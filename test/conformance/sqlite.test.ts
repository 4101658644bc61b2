import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { Kysely } from "kysely";
import type { User } from "tessera";
import { createSqliteDialect, createTables, kyselyAdapter } from "tessera/kysely";
import {
  type DatabaseFixture,
  runAccessTokenDatabaseSuite,
  runUserDatabaseSuite,
} from "tessera/testing";

async function sqliteFixture<ID>(
  idType: "uuid" | "integer",
): Promise<DatabaseFixture<User<ID>, ID>> {
  const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
  await createTables(db, { idType });
  const { users, accessTokens } = kyselyAdapter(db, { idType });
  return {
    users: users as never,
    accessTokens: accessTokens as never,
    storedTokens: async () =>
      (await db.selectFrom("accesstoken").select("token").execute()).map((row) => row.token),
    dispose: () => db.destroy(),
  };
}

for (const [idType, unknownId] of [
  ["uuid", randomUUID()],
  ["integer", 987654321],
] as const) {
  const options = { create: () => sqliteFixture<typeof unknownId>(idType), unknownId };
  runUserDatabaseSuite(`sqlite ${idType}`, options);
  runAccessTokenDatabaseSuite(`sqlite ${idType}`, options);
}
