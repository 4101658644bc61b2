import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { Kysely } from "kysely";
import type { IdType, User, UserCreateData } from "tessera-auth";
import type { Engine } from "tessera-auth/kysely";
import {
  connect,
  createSqliteDialect,
  kyselyAdapter,
  migrateToLatest,
  type SchemaOptions,
} from "tessera-auth/kysely";
import {
  type DatabaseFixture,
  runAccessTokenDatabaseSuite,
  runOAuthAccountDatabaseSuite,
  runRefreshTokenDatabaseSuite,
  runSecondFactorDatabaseSuite,
  runUserDatabaseSuite,
} from "tessera-auth/testing";
import { afterAll } from "vitest";
import type { EngineName } from "../support/engines.js";
import { emptyTables, workerDatabaseUrl } from "../support/test-database.js";
import { runSessionRaces } from "./session-races.js";

/**
 * The id types the suites run with, each on its own table set: the default
 * names for UUIDs, custom names for the others (so custom names are covered).
 */
export const VARIANTS = [
  { idType: "uuid", unknownId: randomUUID(), tables: {} },
  {
    idType: "integer",
    unknownId: 987654321,
    tables: { userTable: "member", accessTokenTable: "member_session" },
  },
  {
    idType: "string",
    unknownId: "no-such-user",
    tables: { userTable: "account", accessTokenTable: "account_token" },
  },
] as const;

/**
 * Runs the conformance suites on the Kysely adapter over one engine, once
 * per id type: SQLite in memory (a new database per test), PostgreSQL and
 * MySQL on this worker's database (tables migrated once, emptied per test).
 */
export function runKyselyConformance(engine: EngineName): void {
  let shared: Promise<Kysely<any>> | undefined;
  const migrated = new Map<string, Promise<unknown>>();
  afterAll(async () => {
    if (shared) await (await shared).destroy();
  });

  async function open(options: SchemaOptions): Promise<{ db: Kysely<any>; own: boolean }> {
    if (engine === "sqlite") {
      const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
      await migrateToLatest(db, options);
      return { db, own: true };
    }
    shared ??= workerDatabaseUrl().then(async (url) => (await connect(url)).db);
    const db = await shared;
    const key = JSON.stringify(options);
    if (!migrated.has(key)) migrated.set(key, migrateToLatest(db, options));
    await migrated.get(key);
    return { db, own: false };
  }

  async function fixture<ID>(
    idType: IdType,
    tables: { userTable?: string; accessTokenTable?: string },
  ): Promise<DatabaseFixture<User<ID>, ID>> {
    const options = { idType, ...tables };
    const { db, own } = await open(options);
    const userTable = tables.userTable ?? "user";
    const tokenTable = tables.accessTokenTable ?? "accesstoken";
    const { users, accessTokens, refreshTokens, oauthAccounts, secondFactors } = kyselyAdapter(
      db,
      options,
    );
    if (!own) {
      const { schema } = accessTokens;
      const tables = [
        schema.passkeyTable,
        schema.recoveryCodeTable,
        schema.totpSecretTable,
        schema.oauthAccountTable,
        schema.sessionTable,
        schema.refreshTokenTable,
        tokenTable,
        userTable,
      ];
      await emptyTables(db, tables);
    }
    const { engine: traits } = accessTokens.schema;
    return {
      users: users as never,
      accessTokens: accessTokens as never,
      refreshTokens: refreshTokens as never,
      oauthAccounts: oauthAccounts as never,
      secondFactors: secondFactors as never,
      storedTokens: async () =>
        (await db.selectFrom(tokenTable).select("token").execute()).map((row) => row.token),
      bulk: {
        async insertUsers(rows) {
          for (let start = 0; start < rows.length; start += 1000) {
            const batch = rows.slice(start, start + 1000).map(userRow(idType, traits));
            await db.insertInto(userTable).values(batch).execute();
          }
        },
        async insertTokens(rows) {
          await db
            .insertInto(tokenTable)
            .values(
              rows.map((row) => ({
                token: row.token,
                user_id: row.userId,
                created_at: traits.encodeDate(row.createdAt),
              })),
            )
            .execute();
        },
        explainUserByToken: (token, notBefore) => accessTokens.explainUserByToken(token, notBefore),
      },
      dispose: async () => {
        if (own) await db.destroy();
      },
    };
  }

  for (const { idType, unknownId, tables } of VARIANTS) {
    const options = {
      create: () => fixture<typeof unknownId>(idType, tables),
      unknownId,
    };
    runUserDatabaseSuite(`${engine} ${idType}`, options);
    runAccessTokenDatabaseSuite(`${engine} ${idType}`, options);
    runRefreshTokenDatabaseSuite(`${engine} ${idType}`, options);
    runOAuthAccountDatabaseSuite(`${engine} ${idType}`, options);
    runSecondFactorDatabaseSuite(`${engine} ${idType}`, options);
  }
  runSessionRaces(`${engine} kysely`, () => fixture<string>("uuid", {}));
}

/** A user as a row of tessera's user table on the engine, with a new id unless ids are integers. */
export function userRow(idType: IdType, traits: Pick<Engine, "encodeBoolean">) {
  return (row: UserCreateData) => ({
    ...(idType === "integer" ? {} : { id: randomUUID() }),
    email: row.email,
    hashed_password: row.hashedPassword,
    is_active: traits.encodeBoolean(row.isActive),
    is_superuser: traits.encodeBoolean(row.isSuperuser),
    is_verified: traits.encodeBoolean(row.isVerified),
  });
}
