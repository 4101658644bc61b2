import type { Collection, Db } from "mongodb";
import {
  type ResolvedUserField,
  resolveUserFields,
  type UserFields,
} from "../../users/user-fields.js";
import { type IdCodec, idCodec, type MongoIdType } from "./ids.js";

/** How tessera's collections are named and keyed. */
export interface MongoSchemaOptions {
  /** @default "objectid" */
  idType?: MongoIdType;
  /** @default "user" */
  userCollection?: string;
  /** @default "accesstoken" */
  accessTokenCollection?: string;
  /** @default "refreshtoken", or "<accessTokenCollection>_refresh" for a custom accessTokenCollection */
  refreshTokenCollection?: string;
  /**
   * One record per session with a refresh token (see `RefreshTokenDatabase`).
   * @default "authsession", or "<accessTokenCollection>_session" for a custom accessTokenCollection
   */
  sessionCollection?: string;
  /**
   * Accounts at identity providers linked to users.
   * @default "oauth_account", or "<accessTokenCollection>_oauth" for a custom accessTokenCollection
   */
  oauthAccountCollection?: string;
  /** @default "totp_secret", or "<accessTokenCollection>_totp" for a custom accessTokenCollection */
  totpSecretCollection?: string;
  /** @default "recovery_code", or "<accessTokenCollection>_recovery" for a custom accessTokenCollection */
  recoveryCodeCollection?: string;
  /** @default "passkey", or "<accessTokenCollection>_passkey" for a custom accessTokenCollection */
  passkeyCollection?: string;
  /** The app's custom user fields (see `defineUserFields`), stored as more fields of a user. */
  userFields?: UserFields;
}

/** A stored document: `_id` is a token's stored form, or a user's ObjectId or UUID. */
// biome-ignore lint/suspicious/noExplicitAny: documents hold BSON values of several types.
export type StoredDocument = { _id?: any; [field: string]: any };

/** The options resolved: the collections, the id codec and the custom fields. */
export interface MongoSchema {
  readonly ids: IdCodec;
  readonly users: Collection<StoredDocument>;
  readonly accessTokens: Collection<StoredDocument>;
  readonly refreshTokens: Collection<StoredDocument>;
  readonly sessions: Collection<StoredDocument>;
  readonly oauthAccounts: Collection<StoredDocument>;
  readonly totpSecrets: Collection<StoredDocument>;
  readonly recoveryCodes: Collection<StoredDocument>;
  readonly passkeys: Collection<StoredDocument>;
  readonly userFields: readonly ResolvedUserField[];
}

export function resolveMongoSchema(db: Db, options: MongoSchemaOptions = {}): MongoSchema {
  const accessTokenCollection = options.accessTokenCollection ?? "accesstoken";
  const beside = (standard: string, suffix: string) =>
    accessTokenCollection === "accesstoken" ? standard : `${accessTokenCollection}_${suffix}`;
  const names = [
    options.userCollection ?? "user",
    accessTokenCollection,
    options.refreshTokenCollection ?? beside("refreshtoken", "refresh"),
    options.sessionCollection ?? beside("authsession", "session"),
    options.oauthAccountCollection ?? beside("oauth_account", "oauth"),
    options.totpSecretCollection ?? beside("totp_secret", "totp"),
    options.recoveryCodeCollection ?? beside("recovery_code", "recovery"),
    options.passkeyCollection ?? beside("passkey", "passkey"),
  ] as const;
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(name) || name.startsWith("system.")) {
      throw new TypeError(
        `collection name "${name}" must be letters, digits, "_", "-" and "." (64 at most), not starting with a digit or "system."`,
      );
    }
  }
  if (new Set(names).size !== names.length) {
    throw new TypeError(
      "userCollection, accessTokenCollection, refreshTokenCollection, sessionCollection, oauthAccountCollection, totpSecretCollection, recoveryCodeCollection and passkeyCollection must differ",
    );
  }
  return {
    ids: idCodec(options.idType ?? "objectid"),
    users: db.collection(names[0]),
    accessTokens: db.collection(names[1]),
    refreshTokens: db.collection(names[2]),
    sessions: db.collection(names[3]),
    oauthAccounts: db.collection(names[4]),
    totpSecrets: db.collection(names[5]),
    recoveryCodes: db.collection(names[6]),
    passkeys: db.collection(names[7]),
    userFields: resolveUserFields(options.userFields),
  };
}

/** The key of the unique index on email: the address in lower case (emails match ignoring case). */
export function emailKey(email: string): string {
  return email.toLowerCase();
}
