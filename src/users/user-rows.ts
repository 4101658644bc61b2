import type { User, UserUpdateData } from "../core/models.js";
import { checkFieldValue, type ResolvedUserField } from "./user-fields.js";

/** A `user` row as the driver returns it: FastAPI Users' columns plus the application's own. */
export type UserRow = Record<string, unknown>;

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

  /**
   * @param encodeBoolean how the store writes a boolean (SQLite and MySQL: 0 or 1)
   * @param internalColumns the store's own columns, never put on a user
   */
  constructor(
    readonly fields: readonly ResolvedUserField[],
    private readonly encodeBoolean: (value: boolean) => unknown,
    internalColumns: readonly string[] = [],
  ) {
    this.#fields = new Map(fields.map((field) => [field.name, field]));
    this.#known = new Set([
      "id",
      ...Object.values(CONTRACT_COLUMNS),
      ...fields.map((f) => f.column),
      ...internalColumns,
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
    const { encodeBoolean } = this;
    const data = user as Readonly<Record<string, unknown>>;
    const row: Record<string, unknown> = {};
    if (data.email !== undefined) row.email = data.email;
    if (data.hashedPassword !== undefined) row.hashed_password = data.hashedPassword;
    if (data.isActive !== undefined) row.is_active = encodeBoolean(data.isActive as boolean);
    if (data.isSuperuser !== undefined)
      row.is_superuser = encodeBoolean(data.isSuperuser as boolean);
    if (data.isVerified !== undefined) row.is_verified = encodeBoolean(data.isVerified as boolean);
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
      row[field.column] = field.type === "boolean" ? encodeBoolean(value as boolean) : value;
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

/**
 * The values `user` holds for the contract's fields that `data` changes: what
 * a compare-and-set update requires the stored user to still hold.
 */
export function readValues<U extends User<unknown>>(user: U, data: object): UserUpdateData {
  const read: Record<string, unknown> = {};
  for (const field of CONTRACT_FIELDS) if (field in data) read[field] = user[field as keyof U];
  return read as UserUpdateData;
}

const CONTRACT_FIELDS = ["email", "hashedPassword", "isActive", "isSuperuser", "isVerified"];
