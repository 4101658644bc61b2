import type { IdOf, IdType, User } from "../../core/models.js";
import { assertReady } from "./assert-ready.js";
import { DrizzleAccessTokenDatabase } from "./drizzle-access-token-database.js";
import type { AnyDrizzle } from "./drizzle-engine.js";
import { DrizzleOAuthAccountDatabase } from "./drizzle-oauth-account-database.js";
import { DrizzleRefreshTokenDatabase } from "./drizzle-refresh-token-database.js";
import { DrizzleSecondFactorDatabase } from "./drizzle-second-factor-database.js";
import { DrizzleUserDatabase } from "./drizzle-user-database.js";
import { resolveDrizzleSchema } from "./schema.js";
import type { DrizzleTableOptions, DrizzleTables } from "./tables.js";

export { DrizzleAccessTokenDatabase } from "./drizzle-access-token-database.js";
export { DrizzleOAuthAccountDatabase } from "./drizzle-oauth-account-database.js";
export { DrizzleRefreshTokenDatabase } from "./drizzle-refresh-token-database.js";
export { DrizzleSecondFactorDatabase } from "./drizzle-second-factor-database.js";
export { DrizzleUserDatabase } from "./drizzle-user-database.js";
export type { DrizzleSchema } from "./schema.js";
export {
  type DrizzleEngine,
  type DrizzleTableOptions,
  type DrizzleTables,
  drizzleTables,
} from "./tables.js";

/** The databases of the Drizzle adapter, sharing one set of tables. */
export interface DrizzleAdapter<U extends User<ID>, ID> {
  users: DrizzleUserDatabase<U, ID>;
  accessTokens: DrizzleAccessTokenDatabase<U, ID>;
  /** For `DatabaseStrategy({ refreshTokens })`. */
  refreshTokens: DrizzleRefreshTokenDatabase<U, ID>;
  /** Accounts at identity providers linked to users (sign-in with OAuth). */
  oauthAccounts: DrizzleOAuthAccountDatabase<ID>;
  /** Users' second factors: TOTP secrets, recovery codes, passkeys. */
  secondFactors: DrizzleSecondFactorDatabase<ID>;
  /**
   * Throws `DatabaseNotMigrated` (one line: what is missing, and "run `npx
   * tessera-auth migrate`") unless every table and column of its Drizzle
   * tables is there (one `SELECT … LIMIT 0` each): call it before listening.
   */
  assertReady(): Promise<void>;
}

/**
 * The user, access-token and refresh-token databases over a Drizzle database
 * (better-sqlite3, node-postgres or mysql2): the one your app uses, or one it
 * passes per request. The tables are tessera's (`migrateToLatest` from
 * `tessera-auth/kysely`, or `npx tessera-auth migrate`, creates them); give
 * the same options as to the migration, or your own `tables` from
 * {@link drizzleTables}.
 *
 * @example
 * const db = drizzle(new Database("app.db"));
 * const { users, accessTokens } = drizzleAdapter(db);              // UUID ids
 * const numeric = drizzleAdapter(db, { idType: "integer" });       // User<number>
 */
export function drizzleAdapter<T extends IdType = "uuid", U extends User<IdOf<T>> = User<IdOf<T>>>(
  db: AnyDrizzle,
  options: DrizzleTableOptions<T> & { tables?: DrizzleTables } = {},
): DrizzleAdapter<U, IdOf<T>> {
  const schema = resolveDrizzleSchema(db, options);
  return {
    users: new DrizzleUserDatabase<U, IdOf<T>>(db, schema),
    accessTokens: new DrizzleAccessTokenDatabase<U, IdOf<T>>(db, schema),
    refreshTokens: new DrizzleRefreshTokenDatabase<U, IdOf<T>>(db, schema),
    oauthAccounts: new DrizzleOAuthAccountDatabase<IdOf<T>>(db, schema),
    secondFactors: new DrizzleSecondFactorDatabase<IdOf<T>>(db, schema),
    assertReady: () => assertReady(db, schema),
  };
}
