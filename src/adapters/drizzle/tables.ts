import type { IdType } from "../../core/models.js";
import {
  type ResolvedUserField,
  resolveUserFields,
  type UserFields,
} from "../../users/user-fields.js";
import {
  defaultOAuthAccountTable,
  defaultRefreshTokenTable,
  defaultSessionTable,
  secondFactorTables,
} from "../kysely/schema.js";
import { buildTables, type ColumnKit } from "./build-tables.js";
import { mysqlColumns } from "./mysql-tables.js";
import { postgresColumns } from "./postgres-tables.js";
import { sqliteColumns } from "./sqlite-tables.js";

/** The SQL engines the Drizzle adapter runs on. */
export type DrizzleEngine = "sqlite" | "postgres" | "mysql";

/** How tessera's tables are named and keyed: the options `migrateToLatest` takes, the same. */
export interface DrizzleTableOptions<T extends IdType = IdType> {
  /** @default "uuid" */
  idType?: T;
  /** @default "user" */
  userTable?: string;
  /** @default "accesstoken" */
  accessTokenTable?: string;
  /** @default "refreshtoken", or "<accessTokenTable>_refresh" for a custom accessTokenTable */
  refreshTokenTable?: string;
  /** @default "authsession", or "<accessTokenTable>_session" for a custom accessTokenTable */
  sessionTable?: string;
  /** @default "oauth_account", or "<accessTokenTable>_oauth" for a custom accessTokenTable */
  oauthAccountTable?: string;
  /** @default "totp_secret", or "<accessTokenTable>_totp" for a custom accessTokenTable */
  totpSecretTable?: string;
  /** @default "recovery_code", or "<accessTokenTable>_recovery" for a custom accessTokenTable */
  recoveryCodeTable?: string;
  /** @default "passkey", or "<accessTokenTable>_passkey" for a custom accessTokenTable */
  passkeyTable?: string;
  /** The app's custom user fields (see `defineUserFields`), as columns of the user table. */
  userFields?: UserFields;
  /**
   * More columns of the user table, as Drizzle column builders of the engine
   * (`{ nickname: text("nickname") }`): read into the user under their
   * column's name, written by the application.
   */
  // biome-ignore lint/suspicious/noExplicitAny: column builders of any of the three engines.
  extraUserColumns?: Record<string, any>;
}

/** Names resolved, for one engine. */
export interface ResolvedTableOptions {
  readonly engine: DrizzleEngine;
  readonly idType: IdType;
  readonly userTable: string;
  readonly accessTokenTable: string;
  readonly refreshTokenTable: string;
  readonly sessionTable: string;
  readonly oauthAccountTable: string;
  readonly totpSecretTable: string;
  readonly recoveryCodeTable: string;
  readonly passkeyTable: string;
  readonly userFields: readonly ResolvedUserField[];
  // biome-ignore lint/suspicious/noExplicitAny: column builders of any of the three engines.
  readonly extraUserColumns: Record<string, any>;
}

/**
 * tessera's tables as Drizzle tables of one engine. Their JavaScript
 * keys are the SQL column names (`hashed_password`, `user_id`…). The tables
 * are `migrateToLatest`'s; add these to your Drizzle schema to query or join them.
 */
// biome-ignore lint/suspicious/noExplicitAny: a table of whichever engine was asked for.
export type DrizzleTables<Table = any> = {
  user: Table;
  accessToken: Table;
  refreshToken: Table;
  /** One record per session with a refresh token (see `RefreshTokenDatabase`). */
  session: Table;
  /** Accounts at identity providers linked to users (FastAPI Users' `oauth_account`). */
  oauthAccount: Table;
  /** Users' TOTP secrets, one per user. */
  totpSecret: Table;
  /** Users' recovery codes, hashed. */
  recoveryCode: Table;
  /** Users' passkeys (WebAuthn credentials). */
  passkey: Table;
};

export function resolveTableOptions(
  engine: DrizzleEngine,
  options: DrizzleTableOptions = {},
): ResolvedTableOptions {
  const accessTokenTable = options.accessTokenTable ?? "accesstoken";
  return {
    engine,
    idType: options.idType ?? "uuid",
    userTable: options.userTable ?? "user",
    accessTokenTable,
    refreshTokenTable:
      options.refreshTokenTable ?? defaultRefreshTokenTable(options.accessTokenTable),
    sessionTable: options.sessionTable ?? defaultSessionTable(options.accessTokenTable),
    oauthAccountTable:
      options.oauthAccountTable ?? defaultOAuthAccountTable(options.accessTokenTable),
    ...secondFactorTables(options),
    userFields: resolveUserFields(options.userFields),
    extraUserColumns: options.extraUserColumns ?? {},
  };
}

/**
 * tessera's tables for `engine`, to put in your Drizzle schema (and to give
 * {@link drizzleAdapter} when you have them already).
 *
 * @example
 * export const { user, accessToken } = drizzleTables("postgres", { idType: "uuid" });
 */
export function drizzleTables(
  engine: DrizzleEngine,
  options: DrizzleTableOptions = {},
): DrizzleTables {
  const kit: ColumnKit | undefined = COLUMNS[engine];
  if (!kit) throw new TypeError(`engine must be "sqlite", "postgres" or "mysql", got "${engine}"`);
  return buildTables(kit, resolveTableOptions(engine, options));
}

const COLUMNS: Record<DrizzleEngine, ColumnKit> = {
  sqlite: sqliteColumns,
  postgres: postgresColumns,
  mysql: mysqlColumns,
};
