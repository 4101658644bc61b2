import type { Kysely } from "kysely";
import type { IdType } from "../../core/models.js";
import {
  type ResolvedUserField,
  resolveUserFields,
  type UserFields,
} from "../../users/user-fields.js";
import { type Engine, engineOf } from "./engine.js";

/** How tessera's tables are named and keyed. Defaults are FastAPI Users', so its database works as is. */
export interface SchemaOptions<T extends IdType = IdType> {
  /** @default "uuid" */
  idType?: T;
  /** @default "user" */
  userTable?: string;
  /** @default "accesstoken" */
  accessTokenTable?: string;
  /**
   * Where rotating refresh tokens live (see `DatabaseStrategy`'s `refreshTokens`).
   * @default "refreshtoken", or "<accessTokenTable>_refresh" for a custom accessTokenTable
   */
  refreshTokenTable?: string;
  /**
   * One record per session that has a refresh token: what every rotation
   * checks and advances, and every revocation deletes first (see
   * `RefreshTokenDatabase`).
   * @default "authsession", or "<accessTokenTable>_session" for a custom accessTokenTable
   */
  sessionTable?: string;
  /**
   * The revocation log a {@link revocationLogChannel} polls (instances that
   * cache sessions on MySQL or SQLite tell each other of revocations there).
   * @default "revocationlog", or "<accessTokenTable>_revocations" for a custom accessTokenTable
   */
  revocationLogTable?: string;
  /**
   * Accounts at identity providers linked to users (FastAPI Users'
   * `oauth_account` table: its database opens in place).
   * @default "oauth_account", or "<accessTokenTable>_oauth" for a custom accessTokenTable
   */
  oauthAccountTable?: string;
  /**
   * Users' TOTP secrets (second factor), one row per user.
   * @default "totp_secret", or "<accessTokenTable>_totp" for a custom accessTokenTable
   */
  totpSecretTable?: string;
  /**
   * Users' recovery codes (second factor), stored hashed.
   * @default "recovery_code", or "<accessTokenTable>_recovery" for a custom accessTokenTable
   */
  recoveryCodeTable?: string;
  /**
   * Users' passkeys (WebAuthn credentials).
   * @default "passkey", or "<accessTokenTable>_passkey" for a custom accessTokenTable
   */
  passkeyTable?: string;
  /**
   * The app's custom user fields (see `defineUserFields`): columns of the
   * user table that the adapter reads and writes and `migrateToLatest` adds.
   * @default none
   */
  userFields?: UserFields;
}

/** Options resolved against a database: every name known, the engine detected. */
export interface Schema {
  readonly idType: IdType;
  readonly userTable: string;
  readonly accessTokenTable: string;
  readonly refreshTokenTable: string;
  readonly sessionTable: string;
  readonly revocationLogTable: string;
  readonly oauthAccountTable: string;
  readonly totpSecretTable: string;
  readonly recoveryCodeTable: string;
  readonly passkeyTable: string;
  readonly userFields: readonly ResolvedUserField[];
  readonly engine: Engine;
}

export function resolveSchema(db: Kysely<unknown>, options: SchemaOptions = {}): Schema {
  const schema = {
    idType: options.idType ?? "uuid",
    userTable: options.userTable ?? "user",
    accessTokenTable: options.accessTokenTable ?? "accesstoken",
    refreshTokenTable:
      options.refreshTokenTable ?? defaultRefreshTokenTable(options.accessTokenTable),
    sessionTable: options.sessionTable ?? defaultSessionTable(options.accessTokenTable),
    revocationLogTable:
      options.revocationLogTable ?? defaultRevocationLogTable(options.accessTokenTable),
    oauthAccountTable:
      options.oauthAccountTable ?? defaultOAuthAccountTable(options.accessTokenTable),
    ...secondFactorTables(options),
    userFields: resolveUserFields(options.userFields),
    engine: engineOf(db),
  };
  if (!["uuid", "integer", "string"].includes(schema.idType)) {
    throw new TypeError(`idType must be "uuid", "integer" or "string", got "${schema.idType}"`);
  }
  const tables = [
    schema.userTable,
    schema.accessTokenTable,
    schema.refreshTokenTable,
    schema.sessionTable,
    schema.revocationLogTable,
    schema.oauthAccountTable,
    schema.totpSecretTable,
    schema.recoveryCodeTable,
    schema.passkeyTable,
  ];
  for (const table of tables) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(table)) {
      throw new TypeError(
        `table name "${table}" must be letters, digits and underscores (48 at most), not starting with a digit`,
      );
    }
  }
  if (new Set(tables).size !== tables.length) {
    throw new TypeError(
      "userTable, accessTokenTable, refreshTokenTable, sessionTable, revocationLogTable, oauthAccountTable, totpSecretTable, recoveryCodeTable and passkeyTable must differ",
    );
  }
  return schema;
}

/** The refresh-token table beside an access-token table, when not named. */
export function defaultRefreshTokenTable(accessTokenTable = "accesstoken"): string {
  return accessTokenTable === "accesstoken" ? "refreshtoken" : `${accessTokenTable}_refresh`;
}

/** The session records beside an access-token table, when not named. */
export function defaultSessionTable(accessTokenTable = "accesstoken"): string {
  return accessTokenTable === "accesstoken" ? "authsession" : `${accessTokenTable}_session`;
}

/** The revocation log beside an access-token table, when not named. */
export function defaultRevocationLogTable(accessTokenTable = "accesstoken"): string {
  return accessTokenTable === "accesstoken" ? "revocationlog" : `${accessTokenTable}_revocations`;
}

/** The linked provider accounts beside an access-token table, when not named. */
export function defaultOAuthAccountTable(accessTokenTable = "accesstoken"): string {
  return accessTokenTable === "accesstoken" ? "oauth_account" : `${accessTokenTable}_oauth`;
}

/** The second factors' tables beside an access-token table, when not named. */
export function secondFactorTables(
  options: Pick<
    SchemaOptions,
    "accessTokenTable" | "totpSecretTable" | "recoveryCodeTable" | "passkeyTable"
  >,
): { totpSecretTable: string; recoveryCodeTable: string; passkeyTable: string } {
  const custom = options.accessTokenTable ?? "accesstoken";
  const beside = (standard: string, suffix: string) =>
    custom === "accesstoken" ? standard : `${custom}_${suffix}`;
  return {
    totpSecretTable: options.totpSecretTable ?? beside("totp_secret", "totp"),
    recoveryCodeTable: options.recoveryCodeTable ?? beside("recovery_code", "recovery"),
    passkeyTable: options.passkeyTable ?? beside("passkey", "passkey"),
  };
}
