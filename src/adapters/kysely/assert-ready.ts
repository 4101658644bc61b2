import type { Kysely } from "kysely";
import { DatabaseNotMigrated } from "../../core/errors.js";
import { guarded } from "./guard.js";
import { OAUTH_ACCOUNT_COLUMNS } from "./migrations/add-oauth-accounts.js";
import {
  PASSKEY_COLUMNS,
  RECOVERY_CODE_COLUMNS,
  TOTP_SECRET_COLUMNS,
} from "./migrations/add-second-factors.js";
import { resolveSchema, type Schema, type SchemaOptions } from "./schema.js";

/** Every column tessera's current migrations create, by table (custom user fields added). */
function expectedColumns(schema: Schema): [table: string, columns: string[]][] {
  return [
    [
      schema.userTable,
      [
        "id",
        "email",
        "hashed_password",
        "is_active",
        "is_superuser",
        "is_verified",
        "security_stamp",
        ...schema.userFields.map((field) => field.column),
      ],
    ],
    [
      schema.accessTokenTable,
      [
        "token",
        "created_at",
        "user_id",
        "security_stamp",
        "last_used_at",
        "ip",
        "user_agent",
        "label",
        "family",
        "amr",
      ],
    ],
    [
      schema.refreshTokenTable,
      [
        "token",
        "family",
        "user_id",
        "security_stamp",
        "created_at",
        "used_at",
        "session_created_at",
        "ip",
        "user_agent",
        "label",
      ],
    ],
    [
      schema.sessionTable,
      [
        "id",
        "user_id",
        "created_at",
        "refreshed_at",
        "rotations",
        "ip",
        "user_agent",
        "label",
        "amr",
      ],
    ],
    [schema.revocationLogTable, ["id", "message", "created_ms"]],
    [schema.oauthAccountTable, [...OAUTH_ACCOUNT_COLUMNS]],
    [schema.totpSecretTable, [...TOTP_SECRET_COLUMNS]],
    [schema.recoveryCodeTable, [...RECOVERY_CODE_COLUMNS]],
    [schema.passkeyTable, [...PASSKEY_COLUMNS]],
  ];
}

/**
 * Checks, at startup, that the database has every table and column tessera's
 * current migrations create (one `SELECT … LIMIT 0` per table, so it reads no
 * row); throws {@link DatabaseNotMigrated} naming what is missing and the fix
 * (`npx tessera-auth migrate`, or `migrateToLatest(db)`), and
 * `DatabaseUnavailableError` when the database cannot be reached. Call it
 * before listening when the migrations run apart from the app (a deploy
 * step); after `migrateToLatest` it has nothing to find.
 *
 * @example
 * await assertReady(db); // or kyselyAdapter(db).assertReady()
 * serve(app);
 */
export async function assertReady(db: Kysely<any>, options: SchemaOptions = {}): Promise<void> {
  const schema = resolveSchema(db, options);
  for (const [table, columns] of expectedColumns(schema)) {
    try {
      await db.selectFrom(table).select(columns).limit(0).execute();
    } catch (error) {
      const thrown = guarded(schema.engine, error);
      if (!(thrown instanceof DatabaseNotMigrated)) throw thrown;
      throw new DatabaseNotMigrated(`table "${table}": ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }
}
