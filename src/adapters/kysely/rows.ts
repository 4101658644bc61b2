import type { AccessToken, User } from "../../models.js";
import type { Engine } from "./engine.js";

/** A `user` row as the driver returns it: FastAPI Users' columns plus the application's own. */
export type UserRow = Record<string, unknown>;

const USER_COLUMNS = new Set([
  "id",
  "email",
  "hashed_password",
  "is_active",
  "is_superuser",
  "is_verified",
  "security_stamp",
]);

/** Maps a row to a user; columns tessera does not know are kept under their own names. */
export function rowToUser<U extends User<ID>, ID>(row: UserRow): U {
  const user: Record<string, unknown> = {
    id: row.id,
    email: row.email,
    hashedPassword: row.hashed_password,
    isActive: Boolean(row.is_active),
    isSuperuser: Boolean(row.is_superuser),
    isVerified: Boolean(row.is_verified),
    securityStamp: Number(row.security_stamp),
  };
  for (const column in row) {
    if (!USER_COLUMNS.has(column)) user[column] = row[column];
  }
  return user as U;
}

/** The columns to write for a (partial) user. */
export function userToRow(
  data: Partial<Omit<User<unknown>, "id">>,
  engine: Engine,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  if (data.email !== undefined) row.email = data.email;
  if (data.hashedPassword !== undefined) row.hashed_password = data.hashedPassword;
  if (data.isActive !== undefined) row.is_active = engine.encodeBoolean(data.isActive);
  if (data.isSuperuser !== undefined) row.is_superuser = engine.encodeBoolean(data.isSuperuser);
  if (data.isVerified !== undefined) row.is_verified = engine.encodeBoolean(data.isVerified);
  if (data.securityStamp !== undefined) row.security_stamp = data.securityStamp;
  return row;
}

export function rowToAccessToken<ID>(
  row: Record<string, unknown>,
  engine: Engine,
): AccessToken<ID> {
  return {
    token: row.token as string,
    userId: row.user_id as ID,
    createdAt: engine.decodeDate(row.created_at),
    securityStamp: Number(row.security_stamp),
  };
}
