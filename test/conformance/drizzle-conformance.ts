import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzleMysql } from "drizzle-orm/mysql2";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { Kysely } from "kysely";
import mysql from "mysql2/promise";
import pg from "pg";
import type { IdType, User } from "tessera-auth";
import { drizzleAdapter } from "tessera-auth/drizzle";
import { connect, createSqliteDialect, migrateToLatest } from "tessera-auth/kysely";
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
import { userRow, VARIANTS } from "./kysely-conformance.js";
import { runSessionRaces } from "./session-races.js";

/** A Drizzle database of the engine, how to close it, and the Kysely instance that migrated it. */
interface Opened {
  drizzle: any;
  kysely: Kysely<any>;
  close(): Promise<void>;
}

/**
 * Runs the conformance suites on the Drizzle adapter over one engine, once per
 * id type, on tables made by tessera's migrations: SQLite in memory (a new
 * database per test), PostgreSQL and MySQL on this worker's database, through
 * node-postgres and mysql2 pools of their own.
 */
export function runDrizzleConformance(engine: EngineName): void {
  let shared: Promise<Opened> | undefined;
  const migrated = new Map<string, Promise<unknown>>();
  afterAll(async () => {
    if (shared) await (await shared).close();
  });

  async function openShared(): Promise<Opened> {
    const url = await workerDatabaseUrl();
    const { db: kysely, close } = await connect(url);
    if (engine === "postgres") {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      pool.on("error", () => {});
      return {
        drizzle: drizzlePostgres({ client: pool }),
        kysely,
        close: async () => {
          await pool.end();
          await close();
        },
      };
    }
    const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
    return {
      drizzle: drizzleMysql(pool, { mode: "default" }),
      kysely,
      close: async () => {
        await pool.end();
        await close();
      },
    };
  }

  async function fixture<ID>(
    idType: IdType,
    tables: { userTable?: string; accessTokenTable?: string },
  ): Promise<DatabaseFixture<User<ID>, ID>> {
    const options = { idType, ...tables };
    let opened: Opened;
    if (engine === "sqlite") {
      const database = new Database(":memory:");
      const kysely = new Kysely<any>({ dialect: createSqliteDialect(database) });
      await migrateToLatest(kysely, options);
      opened = {
        drizzle: drizzleSqlite({ client: database }),
        kysely,
        close: () => kysely.destroy(),
      };
    } else {
      shared ??= openShared();
      opened = await shared;
      const key = JSON.stringify(options);
      if (!migrated.has(key)) migrated.set(key, migrateToLatest(opened.kysely, options));
      await migrated.get(key);
    }
    const { users, accessTokens, refreshTokens, oauthAccounts, secondFactors } = drizzleAdapter(
      opened.drizzle,
      options,
    );
    const { tables: defined, traits } = accessTokens.schema;
    if (engine !== "sqlite") {
      const names = [
        defined.passkey,
        defined.recoveryCode,
        defined.totpSecret,
        defined.oauthAccount,
        defined.session,
        defined.refreshToken,
        defined.accessToken,
        defined.user,
      ];
      await emptyTables(opened.kysely, names.map(tableName));
    }
    return {
      users: users as never,
      accessTokens: accessTokens as never,
      refreshTokens: refreshTokens as never,
      oauthAccounts: oauthAccounts as never,
      secondFactors: secondFactors as never,
      storedTokens: async () =>
        (await opened.drizzle.select().from(defined.accessToken)).map(
          (row: { token: string }) => row.token,
        ),
      bulk: {
        async insertUsers(rows) {
          for (let start = 0; start < rows.length; start += 1000) {
            const batch = rows.slice(start, start + 1000).map(userRow(idType, traits));
            await opened.drizzle.insert(defined.user).values(batch);
          }
        },
        async insertTokens(rows) {
          await opened.drizzle.insert(defined.accessToken).values(
            rows.map((row) => ({
              token: row.token,
              user_id: row.userId,
              created_at: traits.encodeDate(row.createdAt),
            })),
          );
        },
        explainUserByToken: (token, notBefore) => accessTokens.explainUserByToken(token, notBefore),
      },
      dispose: async () => {
        if (engine === "sqlite") await opened.close();
      },
    };
  }

  for (const { idType, unknownId, tables } of VARIANTS) {
    const options = {
      create: () => fixture<typeof unknownId>(idType, tables),
      unknownId,
    };
    runUserDatabaseSuite(`${engine} drizzle ${idType}`, options);
    runAccessTokenDatabaseSuite(`${engine} drizzle ${idType}`, options);
    runRefreshTokenDatabaseSuite(`${engine} drizzle ${idType}`, options);
    runOAuthAccountDatabaseSuite(`${engine} drizzle ${idType}`, options);
    runSecondFactorDatabaseSuite(`${engine} drizzle ${idType}`, options);
  }
  runSessionRaces(`${engine} drizzle`, () => fixture<string>("uuid", {}));
}

/** A Drizzle table's SQL name. */
function tableName(table: unknown): string {
  return (table as Record<symbol, string>)[Symbol.for("drizzle:Name")] as string;
}
