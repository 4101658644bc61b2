import type { Kysely } from "kysely";
import type { IdOf, IdType, User } from "../../core/models.js";
import { assertReady } from "./assert-ready.js";
import { KyselyAccessTokenDatabase } from "./kysely-access-token-database.js";
import { KyselyOAuthAccountDatabase } from "./kysely-oauth-account-database.js";
import { KyselyRefreshTokenDatabase } from "./kysely-refresh-token-database.js";
import { KyselySecondFactorDatabase } from "./kysely-second-factor-database.js";
import { KyselyUserDatabase } from "./kysely-user-database.js";
import { resolveSchema, type SchemaOptions } from "./schema.js";

export { assertReady } from "./assert-ready.js";
export { type Connection, type ConnectOptions, connect } from "./connect.js";
export type { Engine, QueryPlan } from "./engine.js";
export { KyselyAccessTokenDatabase } from "./kysely-access-token-database.js";
export { KyselyOAuthAccountDatabase } from "./kysely-oauth-account-database.js";
export {
  KyselyRateLimitStore,
  type KyselyRateLimitStoreOptions,
} from "./kysely-rate-limit-store.js";
export { KyselyRefreshTokenDatabase } from "./kysely-refresh-token-database.js";
export { KyselySecondFactorDatabase } from "./kysely-second-factor-database.js";
export { KyselyUserDatabase } from "./kysely-user-database.js";
export {
  type MigrateOptions,
  type MigrationReport,
  migrateToLatest,
} from "./migrate-to-latest.js";
export type { Adoption } from "./migrations/adopt-existing-tables.js";
export { type PostgresChannelOptions, postgresChannel } from "./postgres-channel.js";
export {
  type RevocationLogChannelOptions,
  revocationLogChannel,
} from "./revocation-log-channel.js";
export type { Schema, SchemaOptions } from "./schema.js";
export {
  type BetterSqliteDatabase,
  createSqliteDialect,
  type SqliteDialectOptions,
} from "./sqlite-dialect.js";

/** The databases of the Kysely adapter, sharing one schema. */
export interface KyselyAdapter<U extends User<ID>, ID> {
  users: KyselyUserDatabase<U, ID>;
  accessTokens: KyselyAccessTokenDatabase<U, ID>;
  /** For `DatabaseStrategy({ refreshTokens })`. */
  refreshTokens: KyselyRefreshTokenDatabase<U, ID>;
  /** Accounts at identity providers linked to users (sign-in with OAuth). */
  oauthAccounts: KyselyOAuthAccountDatabase<ID>;
  /** Users' second factors: TOTP secrets, recovery codes, passkeys. */
  secondFactors: KyselySecondFactorDatabase<ID>;
  /**
   * Throws `DatabaseNotMigrated` (one line: what is missing, and "run `npx
   * tessera-auth migrate`") unless every table and column of the current
   * migrations is there: call it before listening. See {@link assertReady}.
   */
  assertReady(): Promise<void>;
}

/**
 * The user and access-token databases over one Kysely instance (SQLite,
 * PostgreSQL or MySQL/MariaDB). Pass the instance your app already uses (or a
 * transaction, per request), with the options given to `migrateToLatest`.
 *
 * @example
 * const { users, accessTokens } = kyselyAdapter(db);                       // UUID ids
 * const adapter = kyselyAdapter(db, { idType: "integer" });          // User<number>
 */
export function kyselyAdapter<T extends IdType = "uuid", U extends User<IdOf<T>> = User<IdOf<T>>>(
  db: Kysely<any>,
  options: SchemaOptions<T> = {},
): KyselyAdapter<U, IdOf<T>> {
  const schema = resolveSchema(db, options);
  return {
    users: new KyselyUserDatabase<U, IdOf<T>>(db, schema),
    accessTokens: new KyselyAccessTokenDatabase<U, IdOf<T>>(db, schema),
    refreshTokens: new KyselyRefreshTokenDatabase<U, IdOf<T>>(db, schema),
    oauthAccounts: new KyselyOAuthAccountDatabase<IdOf<T>>(db, schema),
    secondFactors: new KyselySecondFactorDatabase<IdOf<T>>(db, schema),
    assertReady: () => assertReady(db, options),
  };
}
