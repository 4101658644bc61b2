import { isVisibleEmail, normalizeEmail } from "../users/email.js";
import type { FieldProblem } from "../users/user-fields.js";
import { jsonErrorPosition } from "./json-error-position.js";

/** One entry of a 422 body, in FastAPI's (pydantic 1) shape. */
export interface ValidationErrorItem {
  loc: (string | number)[];
  msg: string;
  type: string;
  ctx?: Record<string, unknown>;
}

/** A field of a request body. Also the source of the OpenAPI document. */
export interface FieldSpec {
  readonly type: "email" | "string" | "boolean" | "integer" | "number";
  /** A missing (or `null`) required field is a 422; a missing optional one is left out. */
  readonly required?: boolean;
  /** `null` is a value (it clears the field) rather than "absent". @default false */
  readonly nullable?: boolean;
  /** Checks the value instead of `type` and `pattern` (a custom user field's constraints). */
  readonly check?: (value: unknown) => FieldProblem | null;
  /** More JSON Schema keywords for the document (`maxLength`, `enum`…), as `check` enforces them. */
  readonly schema?: Readonly<Record<string, unknown>>;
  /** The whole value must equal this, as a regular expression. */
  readonly pattern?: string;
  /**
   * An `email` an account will be known by (register, email change): one
   * with invisible code points is refused too (see `isVisibleEmail`).
   * @default false
   */
  readonly newAddress?: boolean;
  readonly description?: string;
}

export type BodySpec = Readonly<Record<string, FieldSpec>>;

type ValueOf<F extends FieldSpec> = F["type"] extends "boolean"
  ? boolean
  : F["type"] extends "integer" | "number"
    ? number
    : string;
type RequiredKeys<S extends BodySpec> = {
  [K in keyof S]: S[K]["required"] extends true ? K : never;
}[keyof S];

/** The validated body of a spec: required fields present, optional ones maybe. */
export type BodyOf<S extends BodySpec> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]>;
};

export type Validated<T> = { ok: true; data: T } | { ok: false; errors: ValidationErrorItem[] };

const MISSING = (loc: (string | number)[]): ValidationErrorItem => ({
  loc,
  msg: "field required",
  type: "value_error.missing",
});

/**
 * Checks a decoded body against a spec, reporting every bad field at once as
 * pydantic does. Unknown fields are ignored; emails come back normalised.
 * tessera is stricter than pydantic 1: no coercion of numbers to strings or
 * of "yes" to `true`.
 */
export function validateFields<S extends BodySpec>(
  spec: S,
  body: Record<string, unknown>,
): Validated<BodyOf<S>> {
  const data: Record<string, unknown> = {};
  const errors: ValidationErrorItem[] = [];
  for (const [name, field] of Object.entries(spec)) {
    const loc = ["body", name];
    const value = body[name];
    if (value === null && field.nullable) {
      data[name] = null;
      continue;
    }
    if (value === undefined || value === null) {
      if (field.required) errors.push(MISSING(loc));
      continue;
    }
    const checked = checkValue(field, value, loc);
    if ("error" in checked) errors.push(checked.error);
    else data[name] = checked.value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, data: data as BodyOf<S> };
}

function checkValue(
  field: FieldSpec,
  value: unknown,
  loc: (string | number)[],
): { value: unknown } | { error: ValidationErrorItem } {
  if (field.check) {
    const problem = field.check(value);
    return problem === null ? { value } : { error: { loc, ...problem } };
  }
  if (field.type === "boolean") {
    if (typeof value === "boolean") return { value };
    return {
      error: { loc, msg: "value could not be parsed to a boolean", type: "type_error.bool" },
    };
  }
  if (typeof value !== "string") {
    return { error: { loc, msg: "str type expected", type: "type_error.str" } };
  }
  if (field.type === "email") {
    const email = normalizeEmail(value);
    if (email === null || (field.newAddress && !isVisibleEmail(email))) {
      return {
        error: { loc, msg: "value is not a valid email address", type: "value_error.email" },
      };
    }
    return { value: email };
  }
  if (field.pattern !== undefined && !new RegExp(`^(?:${field.pattern})$`).test(value)) {
    return {
      error: {
        loc,
        msg: `string does not match regex "${field.pattern}"`,
        type: "value_error.str.regex",
        ctx: { pattern: field.pattern },
      },
    };
  }
  return { value };
}

/**
 * Decodes a JSON request body as FastAPI does: a body without a content type,
 * or with a JSON one, is parsed; any other is not a valid object. The error
 * never echoes the body back (it may hold a password).
 */
export function decodeJsonBody(
  contentType: string | undefined,
  text: string,
): Validated<Record<string, unknown>> {
  if (text.length === 0) return { ok: false, errors: [MISSING(["body"])] };
  if (contentType !== undefined && !isJsonContentType(contentType)) return notAnObject();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const position = jsonErrorPosition(text);
    return {
      ok: false,
      errors: [
        {
          loc: ["body", position],
          msg: "JSON decode error",
          type: "value_error.jsondecode",
          ctx: { pos: position },
        },
      ],
    };
  }
  if (value === null) return { ok: false, errors: [MISSING(["body"])] };
  if (typeof value !== "object" || Array.isArray(value)) return notAnObject();
  return { ok: true, data: value as Record<string, unknown> };
}

function notAnObject(): Validated<never> {
  return {
    ok: false,
    errors: [{ loc: ["body"], msg: "value is not a valid dict", type: "type_error.dict" }],
  };
}

/** `application/json` or `application/<something>+json`, parameters aside. */
export function isJsonContentType(contentType: string): boolean {
  const mediaType = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || /^application\/[^/]+\+json$/.test(mediaType);
}
