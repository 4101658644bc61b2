import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";
import { createIndex } from "./create-tables.js";
import { idColumnType } from "./id-column-type.js";

/** A WebAuthn credential id is at most 1023 bytes: 1364 characters of base64url. */
export const CREDENTIAL_ID_LENGTH = 1364;
/** A recovery code's hash as the caller encodes it (a SHA-256 in hex is 64). */
export const CODE_HASH_LENGTH = 128;
export const PASSKEY_NAME_LENGTH = 100;
/** `internal,hybrid,usb,…`, comma-separated. */
export const TRANSPORTS_LENGTH = 255;
export const DEVICE_TYPE_LENGTH = 32;

export const TOTP_SECRET_COLUMNS = [
  "user_id",
  "secret",
  "confirmed_at",
  "last_used_step",
  "created_at",
];
export const RECOVERY_CODE_COLUMNS = ["user_id", "code_hash", "created_at", "used_at"];
export const PASSKEY_COLUMNS = [
  "id",
  "user_id",
  "public_key",
  "counter",
  "transports",
  "name",
  "created_at",
  "last_used_at",
  "backed_up",
  "device_type",
];

/**
 * Migration `0010`: users' second factors, each row's user → user.id ON
 * DELETE CASCADE. `totp_secret`: one per user (keyed by it), the secret as
 * the app encrypted it, when it was confirmed, the last time step used.
 * `recovery_code`: the hashes of a user's codes (keyed by user and hash),
 * each used once. `passkey`: WebAuthn credentials keyed by their id (ASCII,
 * compared exactly), with the public key, the signature counter (bigint: it
 * is an unsigned 32-bit number), transports and the backup flags.
 */
export async function addSecondFactors(db: Kysely<any>, schema: Schema): Promise<void> {
  const { engine, userTable, totpSecretTable, recoveryCodeTable, passkeyTable } = schema;
  const userId = idColumnType(schema);
  await db.schema
    .createTable(totpSecretTable)
    .ifNotExists()
    .addColumn("user_id", userId, (column) =>
      column.primaryKey().references(`${userTable}.id`).onDelete("cascade"),
    )
    .addColumn("secret", "text", (column) => column.notNull())
    .addColumn("confirmed_at", engine.timestampType)
    .addColumn("last_used_step", "bigint")
    .addColumn("created_at", engine.timestampType, (column) => column.notNull())
    .execute();

  await db.schema
    .createTable(recoveryCodeTable)
    .ifNotExists()
    .addColumn("user_id", userId, (column) =>
      column.notNull().references(`${userTable}.id`).onDelete("cascade"),
    )
    .addColumn("code_hash", engine.asciiType(CODE_HASH_LENGTH), (column) => column.notNull())
    .addColumn("created_at", engine.timestampType, (column) => column.notNull())
    .addColumn("used_at", engine.timestampType)
    .addPrimaryKeyConstraint(`pk_${recoveryCodeTable}`, ["user_id", "code_hash"])
    .execute();

  await db.schema
    .createTable(passkeyTable)
    .ifNotExists()
    .addColumn("id", engine.asciiType(CREDENTIAL_ID_LENGTH), (column) => column.primaryKey())
    .addColumn("user_id", userId, (column) =>
      column.notNull().references(`${userTable}.id`).onDelete("cascade"),
    )
    .addColumn("public_key", "text", (column) => column.notNull())
    .addColumn("counter", "bigint", (column) => column.notNull())
    .addColumn("transports", engine.stringType(TRANSPORTS_LENGTH), (column) => column.notNull())
    .addColumn("name", engine.stringType(PASSKEY_NAME_LENGTH), (column) => column.notNull())
    .addColumn("created_at", engine.timestampType, (column) => column.notNull())
    .addColumn("last_used_at", engine.timestampType)
    .addColumn("backed_up", "boolean", (column) => column.notNull())
    .addColumn("device_type", engine.stringType(DEVICE_TYPE_LENGTH), (column) => column.notNull())
    .execute();
  await createIndex(db, schema, passkeyTable, `ix_${passkeyTable}_user_id`, ["user_id"], false);
}
