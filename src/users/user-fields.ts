import type { User } from "../core/models.js";

/** The value types a custom user field can hold. */
export type UserFieldType = "string" | "integer" | "number" | "boolean";

/** Who may set a field through the routes (your own code may always set it). */
export type UserFieldWriter = "user" | "superuser" | "server";

/**
 * An extra column of the user table: stored by the adapter, added by the
 * migration, validated and accepted by the routes, returned in their answers.
 */
export interface UserField {
  readonly type: UserFieldType;
  /** The column. @default the field's name in snake_case (`displayName` → `display_name`) */
  readonly column?: string;
  /**
   * Who may set it: `"user"` at registration and `PATCH /users/me` (and
   * superusers on `PATCH /users/{id}`), `"superuser"` only on
   * `PATCH /users/{id}`, `"server"` only your code (through the user manager).
   * Where a field may not be set it is ignored, as FastAPI Users ignores the
   * flags on registration.
   * @default "user"
   */
  readonly writableBy?: UserFieldWriter;
  /** Registration must give it (a user-writable field only). @default false */
  readonly required?: boolean;
  /**
   * Stored when none is given. A field with a default is a `NOT NULL` column
   * (existing rows get the default) and never `null` in TypeScript; one
   * without is nullable, and `null` in a `PATCH` clears it.
   */
  readonly default?: string | number | boolean;
  /** In the answers' user object (`UserRead`). @default true */
  readonly returned?: boolean;
  /** Strings: at most this many characters. @default 255 (10000 at most) */
  readonly maxLength?: number;
  /** Strings: at least this many characters. */
  readonly minLength?: number;
  /** Strings: the whole value must match this regular expression. */
  readonly pattern?: string;
  /** Strings: one of these values. */
  readonly enum?: readonly string[];
  /** Numbers: the smallest value allowed. Integers are 32-bit at most. */
  readonly minimum?: number;
  /** Numbers: the largest value allowed. */
  readonly maximum?: number;
  /** Shown in the OpenAPI document. */
  readonly description?: string;
}

/** Custom user fields by their name in TypeScript. */
export type UserFields = Readonly<Record<string, UserField>>;

type BaseValue<F extends UserField> = F["type"] extends "boolean"
  ? boolean
  : F["type"] extends "string"
    ? F["enum"] extends readonly (infer E)[]
      ? E
      : string
    : number;

/** A field's value on a user: `null` possible unless it has a default. */
export type UserFieldValue<F extends UserField> = F extends { default: string | number | boolean }
  ? BaseValue<F>
  : BaseValue<F> | null;

/** The values of custom fields on a user. */
export type UserFieldValues<F extends UserFields> = {
  -readonly [K in keyof F]: UserFieldValue<F[K]>;
};

/**
 * A user with these custom fields.
 *
 * @example
 * type Member = UserWithFields<typeof userFields>; // User & { displayName: string | null; … }
 */
export type UserWithFields<F extends UserFields, ID = string> = User<ID> & UserFieldValues<F>;

/** The custom fields of a user type: what it has beyond {@link User}'s. */
export type ExtraFieldsOf<U> = Omit<U, keyof User<unknown>>;

/** A declared field with every default filled in. */
export interface ResolvedUserField {
  /** The name in TypeScript (on the user object). */
  readonly name: string;
  /** The name in JSON bodies and answers: snake_case, as the contract's own fields. */
  readonly json: string;
  readonly column: string;
  readonly type: UserFieldType;
  readonly writableBy: UserFieldWriter;
  readonly required: boolean;
  readonly default: string | number | boolean | undefined;
  readonly returned: boolean;
  readonly maxLength: number;
  readonly minLength: number | undefined;
  readonly pattern: string | undefined;
  /** `pattern`, compiled to match the whole value. */
  readonly matcher: RegExp | undefined;
  readonly enum: readonly string[] | undefined;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly description: string | undefined;
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
export const MAX_STRING_LENGTH = 10_000;
const DEFAULT_MAX_LENGTH = 255;

/** Names the contract's own fields use, in TypeScript, JSON and SQL. */
const RESERVED = new Set([
  "id",
  "email",
  "password",
  "hashedPassword",
  "hashed_password",
  "isActive",
  "is_active",
  "isSuperuser",
  "is_superuser",
  "isVerified",
  "is_verified",
  "securityStamp",
  "security_stamp",
]);

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;

/** `displayName` → `display_name`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Declares custom user fields, checking the declaration at once (a bad one
 * throws a `TypeError` at startup, not on a request). Give the result to
 * `kyselyAdapter`, `migrateToLatest` and `Tessera` (or the CLI's config).
 *
 * @example
 * const userFields = defineUserFields({
 *   displayName: { type: "string", required: true, maxLength: 80 },
 *   plan: { type: "string", enum: ["free", "pro"], default: "free", writableBy: "superuser" },
 * });
 */
export function defineUserFields<const F extends UserFields>(fields: F): F {
  resolveUserFields(fields);
  return fields;
}

/** Every field of a declaration with its defaults filled in; throws a `TypeError` on a bad one. */
export function resolveUserFields(fields: UserFields = {}): readonly ResolvedUserField[] {
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new TypeError("userFields must be an object of field declarations");
  }
  const resolved = Object.entries(fields).map(([name, field]) => resolveField(name, field));
  for (const key of ["json", "column"] as const) {
    const seen = new Set<string>();
    for (const field of resolved) {
      if (seen.has(field[key])) {
        throw new TypeError(
          `two user fields use the ${key === "json" ? "JSON name" : key} "${field[key]}"`,
        );
      }
      seen.add(field[key]);
    }
  }
  return resolved;
}

function resolveField(name: string, field: UserField): ResolvedUserField {
  const fail = (problem: string): never => {
    throw new TypeError(`user field "${name}": ${problem}`);
  };
  if (!NAME.test(name)) fail("a name is letters, digits and underscores, starting with a letter");
  if (typeof field !== "object" || field === null) fail("the declaration must be an object");
  const json = snakeCase(name);
  const column = field.column ?? json;
  if (!NAME.test(column)) fail(`column "${column}" must be letters, digits and underscores`);
  for (const taken of [name, json, column]) {
    if (RESERVED.has(taken)) fail(`"${taken}" is one of tessera's own fields`);
  }
  if (!["string", "integer", "number", "boolean"].includes(field.type)) {
    fail(
      `type must be "string", "integer", "number" or "boolean", got ${JSON.stringify(field.type)}`,
    );
  }
  const writableBy = field.writableBy ?? "user";
  if (!["user", "superuser", "server"].includes(writableBy)) {
    fail(`writableBy must be "user", "superuser" or "server"`);
  }
  if (field.required && writableBy !== "user") {
    fail("only a field users write themselves can be required at registration");
  }
  const isString = field.type === "string";
  const isNumber = field.type === "integer" || field.type === "number";
  for (const option of ["maxLength", "minLength", "pattern", "enum"] as const) {
    if (field[option] !== undefined && !isString) fail(`${option} is for strings`);
  }
  for (const option of ["minimum", "maximum"] as const) {
    const value = field[option];
    if (value === undefined) continue;
    if (!isNumber) fail(`${option} is for numbers`);
    if (typeof value !== "number" || !Number.isFinite(value)) fail(`${option} must be a number`);
  }
  const maxLength = field.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_STRING_LENGTH) {
    fail(`maxLength must be an integer from 1 to ${MAX_STRING_LENGTH}`);
  }
  if (
    field.minLength !== undefined &&
    !(Number.isInteger(field.minLength) && field.minLength >= 0)
  ) {
    fail("minLength must be a whole number");
  }
  let matcher: RegExp | undefined;
  if (field.pattern !== undefined) {
    try {
      matcher = new RegExp(`^(?:${field.pattern})$`, "u");
    } catch {
      fail(`pattern ${JSON.stringify(field.pattern)} is not a regular expression`);
    }
  }
  if (field.enum !== undefined) {
    if (!Array.isArray(field.enum) || field.enum.length === 0) fail("enum must list values");
    if (field.enum.some((value) => typeof value !== "string")) fail("enum values must be strings");
  }
  const resolved: ResolvedUserField = {
    name,
    json,
    column,
    type: field.type,
    writableBy,
    required: field.required ?? false,
    default: field.default,
    returned: field.returned ?? true,
    maxLength: field.enum ? Math.max(maxLength, ...field.enum.map(codePoints)) : maxLength,
    minLength: field.minLength,
    pattern: field.pattern,
    matcher,
    enum: field.enum,
    minimum:
      field.type === "integer" ? Math.max(field.minimum ?? INT32.min, INT32.min) : field.minimum,
    maximum:
      field.type === "integer" ? Math.min(field.maximum ?? INT32.max, INT32.max) : field.maximum,
    description: field.description,
  };
  if (resolved.default !== undefined) {
    const problem = checkFieldValue(resolved, resolved.default);
    if (problem !== null)
      fail(`the default ${JSON.stringify(resolved.default)} is refused: ${problem.msg}`);
  }
  return resolved;
}

/** Why a value does not fit a field, in pydantic 1's words. */
export interface FieldProblem {
  msg: string;
  type: string;
  ctx?: Record<string, unknown>;
}

/** `null` when `value` fits the field, else why not. */
export function checkFieldValue(field: ResolvedUserField, value: unknown): FieldProblem | null {
  switch (field.type) {
    case "boolean":
      return typeof value === "boolean"
        ? null
        : { msg: "value could not be parsed to a boolean", type: "type_error.bool" };
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        return { msg: "value is not a valid integer", type: "type_error.integer" };
      }
      return checkRange(field, value);
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { msg: "value is not a valid float", type: "type_error.float" };
      }
      return checkRange(field, value);
    case "string":
      return typeof value === "string"
        ? checkString(field, value)
        : { msg: "str type expected", type: "type_error.str" };
  }
}

function checkRange(field: ResolvedUserField, value: number): FieldProblem | null {
  if (field.minimum !== undefined && value < field.minimum) {
    return {
      msg: `ensure this value is greater than or equal to ${field.minimum}`,
      type: "value_error.number.not_ge",
      ctx: { limit_value: field.minimum },
    };
  }
  if (field.maximum !== undefined && value > field.maximum) {
    return {
      msg: `ensure this value is less than or equal to ${field.maximum}`,
      type: "value_error.number.not_le",
      ctx: { limit_value: field.maximum },
    };
  }
  return null;
}

function checkString(field: ResolvedUserField, value: string): FieldProblem | null {
  if (field.enum && !field.enum.includes(value)) {
    return {
      msg: `unexpected value; permitted: ${field.enum.map((v) => `'${v}'`).join(", ")}`,
      type: "value_error.const",
      ctx: { given: value, permitted: field.enum },
    };
  }
  // PostgreSQL refuses NUL in text; no field needs it.
  if (value.includes("\u0000")) {
    return { msg: "string contains a NUL character", type: "value_error.str.nul" };
  }
  const length = codePoints(value);
  if (length > field.maxLength) {
    return {
      msg: `ensure this value has at most ${field.maxLength} characters`,
      type: "value_error.any_str.max_length",
      ctx: { limit_value: field.maxLength },
    };
  }
  if (field.minLength !== undefined && length < field.minLength) {
    return {
      msg: `ensure this value has at least ${field.minLength} characters`,
      type: "value_error.any_str.min_length",
      ctx: { limit_value: field.minLength },
    };
  }
  if (field.matcher !== undefined && !field.matcher.test(value)) {
    return {
      msg: `string does not match regex "${field.pattern}"`,
      type: "value_error.str.regex",
      ctx: { pattern: field.pattern },
    };
  }
  return null;
}

/** Characters as SQL counts them (code points), not UTF-16 units. */
function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
