import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { EngineName } from "./engines.js";

/**
 * The DDL that fastapi-users-db-sqlalchemy's models produce through
 * SQLAlchemy's `metadata.create_all` (`SQLAlchemyBaseUserTableUUID`,
 * `SQLAlchemyBaseAccessTokenTableUUID`, `SQLAlchemyBaseOAuthAccountTableUUID`),
 * written out per engine: `GUID` is `uuid` on PostgreSQL and `CHAR(36)`
 * elsewhere; `TIMESTAMPAware(timezone=True)` is `TIMESTAMP WITH TIME ZONE` on
 * PostgreSQL and a naive `TIMESTAMP` on SQLite and MySQL, holding UTC; `email`
 * is `String(320)` with the unique index `ix_user_email`; `created_at` is
 * indexed as `ix_accesstoken_created_at`; `oauth_account` has the mixin's
 * columns first and the UUID ones after (SQLAlchemy's creation order), its
 * tokens `String(1024)`, `oauth_name` and `account_id` indexed each on its
 * own, and no unique index on the pair.
 */
export const FASTAPI_USERS_DDL: Record<EngineName, string[]> = {
  sqlite: [
    `CREATE TABLE user (
      id CHAR(36) NOT NULL,
      email VARCHAR(320) NOT NULL,
      hashed_password VARCHAR(1024) NOT NULL,
      is_active BOOLEAN NOT NULL,
      is_superuser BOOLEAN NOT NULL,
      is_verified BOOLEAN NOT NULL,
      PRIMARY KEY (id)
    )`,
    "CREATE UNIQUE INDEX ix_user_email ON user (email)",
    `CREATE TABLE accesstoken (
      token VARCHAR(43) NOT NULL,
      created_at TIMESTAMP NOT NULL,
      user_id CHAR(36) NOT NULL,
      PRIMARY KEY (token),
      FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE cascade
    )`,
    "CREATE INDEX ix_accesstoken_created_at ON accesstoken (created_at)",
    `CREATE TABLE oauth_account (
      oauth_name VARCHAR(100) NOT NULL,
      access_token VARCHAR(1024) NOT NULL,
      expires_at INTEGER,
      refresh_token VARCHAR(1024),
      account_id VARCHAR(320) NOT NULL,
      account_email VARCHAR(320) NOT NULL,
      id CHAR(36) NOT NULL,
      user_id CHAR(36) NOT NULL,
      PRIMARY KEY (id),
      FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE cascade
    )`,
    "CREATE INDEX ix_oauth_account_oauth_name ON oauth_account (oauth_name)",
    "CREATE INDEX ix_oauth_account_account_id ON oauth_account (account_id)",
  ],
  postgres: [
    `CREATE TABLE "user" (
      id UUID NOT NULL,
      email VARCHAR(320) NOT NULL,
      hashed_password VARCHAR(1024) NOT NULL,
      is_active BOOLEAN NOT NULL,
      is_superuser BOOLEAN NOT NULL,
      is_verified BOOLEAN NOT NULL,
      PRIMARY KEY (id)
    )`,
    `CREATE UNIQUE INDEX ix_user_email ON "user" (email)`,
    `CREATE TABLE accesstoken (
      token VARCHAR(43) NOT NULL,
      created_at TIMESTAMP WITH TIME ZONE NOT NULL,
      user_id UUID NOT NULL,
      PRIMARY KEY (token),
      FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE cascade
    )`,
    "CREATE INDEX ix_accesstoken_created_at ON accesstoken (created_at)",
    `CREATE TABLE oauth_account (
      oauth_name VARCHAR(100) NOT NULL,
      access_token VARCHAR(1024) NOT NULL,
      expires_at INTEGER,
      refresh_token VARCHAR(1024),
      account_id VARCHAR(320) NOT NULL,
      account_email VARCHAR(320) NOT NULL,
      id UUID NOT NULL,
      user_id UUID NOT NULL,
      PRIMARY KEY (id),
      FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE cascade
    )`,
    "CREATE INDEX ix_oauth_account_oauth_name ON oauth_account (oauth_name)",
    "CREATE INDEX ix_oauth_account_account_id ON oauth_account (account_id)",
  ],
  mysql: [
    `CREATE TABLE \`user\` (
      id CHAR(36) NOT NULL,
      email VARCHAR(320) NOT NULL,
      hashed_password VARCHAR(1024) NOT NULL,
      is_active BOOL NOT NULL,
      is_superuser BOOL NOT NULL,
      is_verified BOOL NOT NULL,
      PRIMARY KEY (id)
    )`,
    "CREATE UNIQUE INDEX ix_user_email ON `user` (email)",
    `CREATE TABLE accesstoken (
      token VARCHAR(43) NOT NULL,
      created_at TIMESTAMP NOT NULL,
      user_id CHAR(36) NOT NULL,
      PRIMARY KEY (token),
      FOREIGN KEY(user_id) REFERENCES \`user\` (id) ON DELETE cascade
    )`,
    "CREATE INDEX ix_accesstoken_created_at ON accesstoken (created_at)",
    `CREATE TABLE oauth_account (
      oauth_name VARCHAR(100) NOT NULL,
      access_token VARCHAR(1024) NOT NULL,
      expires_at INTEGER,
      refresh_token VARCHAR(1024),
      account_id VARCHAR(320) NOT NULL,
      account_email VARCHAR(320) NOT NULL,
      id CHAR(36) NOT NULL,
      user_id CHAR(36) NOT NULL,
      PRIMARY KEY (id),
      FOREIGN KEY(user_id) REFERENCES \`user\` (id) ON DELETE cascade
    )`,
    "CREATE INDEX ix_oauth_account_oauth_name ON oauth_account (oauth_name)",
    "CREATE INDEX ix_oauth_account_account_id ON oauth_account (account_id)",
  ],
};

/** Creates FastAPI Users' tables exactly as its SQLAlchemy models do. */
export async function createFastapiUsersTables(db: Kysely<any>, engine: EngineName) {
  for (const statement of FASTAPI_USERS_DDL[engine]) await sql.raw(statement).execute(db);
}

/** A user row as FastAPI Users stores it. */
export interface FastapiUsersUser {
  id: string;
  email: string;
  hashedPassword: string;
  isActive: boolean;
}

/** Inserts users and tokens as FastAPI Users writes them (booleans and naive-UTC times per engine). */
export async function insertFastapiUsersRows(
  db: Kysely<any>,
  engine: EngineName,
  users: FastapiUsersUser[],
  tokens: { token: string; userId: string; createdAt: Date }[],
) {
  const bool = (value: boolean) => (engine === "postgres" ? value : value ? 1 : 0);
  for (const user of users) {
    await db
      .insertInto("user")
      .values({
        id: user.id,
        email: user.email,
        hashed_password: user.hashedPassword,
        is_active: bool(user.isActive),
        is_superuser: bool(false),
        is_verified: bool(false),
      })
      .execute();
  }
  for (const token of tokens) {
    // SQLAlchemy writes aware UTC datetimes as naive text on SQLite and MySQL.
    const iso = token.createdAt.toISOString();
    const naive = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000`;
    await db
      .insertInto("accesstoken")
      .values({
        token: token.token,
        user_id: token.userId,
        created_at: engine === "postgres" ? iso : naive,
      })
      .execute();
  }
}

/**
 * The account FastAPI Users linked for one user at the test identity
 * provider (mounted as `oidc`): its `sub` there is `accountId`.
 */
export const FASTAPI_USERS_OIDC_ACCOUNT = {
  oauthName: "oidc",
  accountId: "alice-fastapi-users-0001",
  accessToken: "fastapi-users-clear-access-token",
  refreshToken: "fastapi-users-clear-refresh-token",
  expiresAt: 1_800_000_000,
} as const;

/** A linked account as FastAPI Users stores it: a new UUID id, the tokens in clear. */
export interface FastapiUsersOAuthAccount {
  oauthName: string;
  accountId: string;
  accountEmail: string;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number | null;
  userId: string;
}

/** Inserts linked accounts as FastAPI Users' `add_oauth_account` writes them. */
export async function insertFastapiUsersOAuthAccounts(
  db: Kysely<any>,
  accounts: FastapiUsersOAuthAccount[],
) {
  for (const account of accounts) {
    await db
      .insertInto("oauth_account")
      .values({
        id: randomUUID(),
        oauth_name: account.oauthName,
        access_token: account.accessToken,
        expires_at: account.expiresAt,
        refresh_token: account.refreshToken,
        account_id: account.accountId,
        account_email: account.accountEmail,
        user_id: account.userId,
      })
      .execute();
  }
}

const PYTHON = "/usr/bin/python3";

/**
 * Password hashes made by the libraries FastAPI Users uses: passlib's bcrypt
 * (FastAPI Users ≤ 12, `$2b$12$…`) and argon2-cffi with pwdlib's defaults
 * (FastAPI Users ≥ 13, `$argon2id$v=19$m=65536,t=3,p=4$…`). Debian's
 * python3-passlib, python3-bcrypt and python3-argon2 (`.ci/run` installs them).
 * Returns the reason instead when they are missing.
 */
export function pythonHashes(
  bcryptPassword: string,
  argon2Password: string,
): { bcrypt: string; argon2: string } | { missing: string } {
  const script = `
import json, sys
from passlib.context import CryptContext
from argon2 import PasswordHasher
bcrypt_pw, argon2_pw = sys.argv[1], sys.argv[2]
print(json.dumps({
  "bcrypt": CryptContext(schemes=["bcrypt"], deprecated="auto").hash(bcrypt_pw),
  "argon2": PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16).hash(argon2_pw),
}))
`;
  const run = spawnSync(PYTHON, ["-c", script, bcryptPassword, argon2Password], {
    encoding: "utf8",
  });
  if (run.status !== 0) {
    return {
      missing:
        `${PYTHON} with passlib, bcrypt and argon2-cffi (to run it: sudo apt-get install ` +
        `python3-passlib python3-bcrypt python3-argon2): ${run.stderr || run.error}`,
    };
  }
  return JSON.parse(run.stdout) as { bcrypt: string; argon2: string };
}
