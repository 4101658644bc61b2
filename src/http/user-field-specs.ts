import { checkFieldValue, type ResolvedUserField } from "../users/user-fields.js";
import type { JsonSchema } from "./route.js";
import type { FieldSpec } from "./validation.js";

/**
 * The body fields of custom user fields, by JSON name: on registration the
 * fields users write (required ones required), on an update those users or
 * superusers write (`null` clears one without a default). Fields only the
 * server writes are not part of any body.
 */
export function userFieldSpecs(
  fields: readonly ResolvedUserField[],
  mode: "create" | "update",
): Record<string, FieldSpec> {
  const specs: Record<string, FieldSpec> = {};
  for (const field of fields) {
    if (field.writableBy === "server") continue;
    if (mode === "create" && field.writableBy !== "user") continue;
    specs[field.json] = {
      type: field.type,
      required: mode === "create" && field.required,
      nullable: mode === "update" && field.default === undefined,
      check: (value) => checkFieldValue(field, value),
      schema: constraints(field),
      description: field.description,
    };
  }
  return specs;
}

/** The custom fields a validated body gives, by their TypeScript names. */
export function userFieldValues(
  fields: readonly ResolvedUserField[],
  body: object,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.json in body) values[field.name] = (body as Record<string, unknown>)[field.json];
  }
  return values;
}

/** FastAPI Users' `UserRead`, with the returned custom fields. */
export function userReadSchema(fields: readonly ResolvedUserField[]): JsonSchema {
  const returned = fields.filter((field) => field.returned);
  const custom = returned.map((field) => {
    const schema = { type: field.type, ...constraints(field), description: field.description };
    return [
      field.json,
      field.default === undefined ? { anyOf: [schema, { type: "null" }] } : schema,
    ];
  });
  return {
    title: "UserRead",
    type: "object",
    properties: {
      id: { type: "string" },
      email: { type: "string", format: "email" },
      is_active: { type: "boolean" },
      is_superuser: { type: "boolean" },
      is_verified: { type: "boolean" },
      ...Object.fromEntries(custom),
    },
    required: [
      "id",
      "email",
      "is_active",
      "is_superuser",
      "is_verified",
      ...returned.map((f) => f.json),
    ],
  };
}

/** A field's constraints as JSON Schema keywords. */
function constraints(field: ResolvedUserField): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  if (field.type === "string") {
    if (field.enum) schema.enum = field.enum;
    else schema.maxLength = field.maxLength;
    if (field.minLength !== undefined) schema.minLength = field.minLength;
    if (field.pattern !== undefined) schema.pattern = `^(?:${field.pattern})$`;
  }
  if (field.minimum !== undefined) schema.minimum = field.minimum;
  if (field.maximum !== undefined) schema.maximum = field.maximum;
  if (field.default !== undefined) schema.default = field.default;
  return schema;
}
