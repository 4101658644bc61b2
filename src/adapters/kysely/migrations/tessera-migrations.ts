import type { Kysely, Migration } from "kysely";
import type { Schema } from "../schema.js";
import { addOAuthAccounts } from "./add-oauth-accounts.js";
import { addRefreshTokens } from "./add-refresh-tokens.js";
import { addRevocationLog } from "./add-revocation-log.js";
import { addSecondFactors } from "./add-second-factors.js";
import { addSecurityStamps } from "./add-security-stamps.js";
import { addSessionAmr } from "./add-session-amr.js";
import { addSessionMetadata } from "./add-session-metadata.js";
import { addSessionRecords } from "./add-session-records.js";
import { type Adoption, adoptExistingTables } from "./adopt-existing-tables.js";
import { createTables } from "./create-tables.js";

/** Where migrations report what they found, for `migrateToLatest`'s caller. */
export interface MigrationNotes {
  adoption: Adoption | null;
}

/**
 * tessera's migrations, in order of their names. Each runs once per database
 * (per table set) and is recorded in the migration table. New migrations are
 * appended with a greater number; a released one is never edited.
 */
export function tesseraMigrations(
  schema: Schema,
  migrationTable: string,
  notes: MigrationNotes,
): Record<string, Migration> {
  return {
    "0001_adopt_existing_tables": {
      async up(db: Kysely<any>) {
        notes.adoption = await adoptExistingTables(db, schema, `${migrationTable}_adoption`);
      },
    },
    "0002_create_tables": {
      up: (db: Kysely<any>) => createTables(db, schema),
    },
    "0003_security_stamps": {
      up: (db: Kysely<any>) => addSecurityStamps(db, schema),
    },
    "0004_session_metadata": {
      up: (db: Kysely<any>) => addSessionMetadata(db, schema),
    },
    "0005_refresh_tokens": {
      up: (db: Kysely<any>) => addRefreshTokens(db, schema),
    },
    "0006_revocation_log": {
      up: (db: Kysely<any>) => addRevocationLog(db, schema),
    },
    "0007_session_records": {
      up: (db: Kysely<any>) => addSessionRecords(db, schema),
    },
    "0008_oauth_accounts": {
      up: (db: Kysely<any>) => addOAuthAccounts(db, schema),
    },
    "0009_session_amr": {
      up: (db: Kysely<any>) => addSessionAmr(db, schema),
    },
    "0010_second_factors": {
      up: (db: Kysely<any>) => addSecondFactors(db, schema),
    },
  };
}
