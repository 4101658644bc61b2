import type { AccessToken, RefreshToken, User } from "../../models.js";
import type { ResolvedUserField } from "../../user-fields.js";
import { checkFieldValue } from "../../user-fields.js";
import type { Engine } from "./engine.js";

/** A `user` row as the driver returns it: FastAPI Users' columns plus the application's own. */
export type UserRow = Record<string, unknown>;

/** The token's columns the session lookup adds to a user row, under names no user column has. */
export const SESSION_COLUMNS = {
  stale: "tessera_session_stale",
  createdAt: "tessera_session_created_at",
  lastUsedAt: "tessera_session_last_used_at",
  family: "tessera_session_family",
} as const;

/** The contract's fields of a user and their columns. */
const CONTRACT_COLUMNS = {
  email: "email",
  hashedPassword: "hashed_password",
  isActive: "is_active",
  isSuperuser: "is_superuser",
  isVerified: "is_verified",
  securityStamp: "security_stamp",
} as const;

/** Maps a user table's rows to users and users to rows, for a set of custom fields. */
export class UserRows {
  /** Columns mapped to fields; any other column is kept on the user under its own name. */
  readonly #known: Set<string>;
  /** The custom fields by their TypeScript name. */
  readonly #fields: Map<string, ResolvedUserField>;

  constructor(
    readonly fields: readonly ResolvedUserField[],
    private readonly engine: Engine,
  ) {
    this.#fields = new Map(fields.map((field) => [field.name, field]));
    this.#known = new Set([
      "id",
      ...Object.values(CONTRACT_COLUMNS),
      ...fields.map((f) => f.column),
      ...Object.values(SESSION_COLUMNS),
    ]);
  }

  toUser<U extends User<ID>, ID>(row: UserRow): U {
    const user: Record<string, unknown> = {
      id: row.id,
      email: row.email,
      hashedPassword: row.hashed_password,
      isActive: Boolean(row.is_active),
      isSuperuser: Boolean(row.is_superuser),
      isVerified: Boolean(row.is_verified),
      securityStamp: Number(row.security_stamp),
    };
    for (const field of this.fields) user[field.name] = decode(field, row[field.column]);
    for (const column in row) {
      if (!this.#known.has(column)) user[column] = row[column];
    }
    return user as U;
  }

  /**
   * The columns to write for a (partial) user. A custom value that is not
   * declared, or does not fit its declaration, is a programming error: a
   * `TypeError`, before anything is written.
   */
  toRow(user: object): Record<string, unknown> {
    const { engine } = this;
    const data = user as Readonly<Record<string, unknown>>;
    const row: Record<string, unknown> = {};
    if (data.email !== undefined) row.email = data.email;
    if (data.hashedPassword !== undefined) row.hashed_password = data.hashedPassword;
    if (data.isActive !== undefined) row.is_active = engine.encodeBoolean(data.isActive as boolean);
    if (data.isSuperuser !== undefined)
      row.is_superuser = engine.encodeBoolean(data.isSuperuser as boolean);
    if (data.isVerified !== undefined)
      row.is_verified = engine.encodeBoolean(data.isVerified as boolean);
    if (data.securityStamp !== undefined) row.security_stamp = data.securityStamp;
    for (const name in data) {
      const value = data[name];
      if (value === undefined || name in CONTRACT_COLUMNS) continue;
      const field = this.#fields.get(name);
      if (!field) throw new TypeError(`unknown user field "${name}": declare it in userFields`);
      if (value === null) {
        if (field.default !== undefined) throw new TypeError(`user field "${name}" cannot be null`);
        row[field.column] = null;
        continue;
      }
      const problem = checkFieldValue(field, value);
      if (problem) throw new TypeError(`user field "${name}": ${problem.msg}`);
      row[field.column] = field.type === "boolean" ? engine.encodeBoolean(value as boolean) : value;
    }
    return row;
  }
}

function decode(field: ResolvedUserField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case "boolean":
      return Boolean(value);
    case "integer":
    case "number":
      return Number(value);
    case "string":
      return String(value);
  }
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
    ip: (row.ip as string | null | undefined) ?? null,
    userAgent: (row.user_agent as string | null | undefined) ?? null,
    label: (row.label as string | null | undefined) ?? null,
    lastUsedAt:
      row.last_used_at === null || row.last_used_at === undefined
        ? null
        : engine.decodeDate(row.last_used_at),
    family: (row.family as string | null | undefined) ?? null,
  };
}

export function rowToRefreshToken<ID>(
  row: Record<string, unknown>,
  engine: Engine,
): RefreshToken<ID> {
  return {
    token: row.token as string,
    family: row.family as string,
    userId: row.user_id as ID,
    securityStamp: Number(row.security_stamp),
    createdAt: engine.decodeDate(row.created_at),
    usedAt: row.used_at === null ? null : engine.decodeDate(row.used_at),
    sessionCreatedAt: engine.decodeDate(row.session_created_at),
    ip: (row.ip as string | null) ?? null,
    userAgent: (row.user_agent as string | null) ?? null,
    label: (row.label as string | null) ?? null,
  };
}

/** The columns of an access token row. */
export function accessTokenToRow<ID>(data: AccessToken<ID>, engine: Engine) {
  return {
    token: data.token,
    user_id: data.userId,
    created_at: engine.encodeDate(data.createdAt),
    security_stamp: data.securityStamp,
    ip: data.ip ?? null,
    user_agent: data.userAgent ?? null,
    label: data.label ?? null,
    last_used_at: data.lastUsedAt ? engine.encodeDate(data.lastUsedAt) : null,
    family: data.family ?? null,
  };
}

/** The columns of a refresh token row. */
export function refreshTokenToRow<ID>(data: RefreshToken<ID>, engine: Engine) {
  return {
    token: data.token,
    family: data.family,
    user_id: data.userId,
    security_stamp: data.securityStamp,
    created_at: engine.encodeDate(data.createdAt),
    used_at: data.usedAt && engine.encodeDate(data.usedAt),
    session_created_at: engine.encodeDate(data.sessionCreatedAt),
    ip: data.ip,
    user_agent: data.userAgent,
    label: data.label,
  };
}
