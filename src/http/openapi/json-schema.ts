import type { JsonSchema } from "../route.js";
import type { BodySpec, FieldSpec } from "../validation.js";

/** The JSON Schema of a field, as its validator checks it. */
export function fieldSchema(field: FieldSpec): JsonSchema {
  const schema: JsonSchema =
    field.type === "email"
      ? { type: "string", format: "email" }
      : field.type === "boolean"
        ? { type: "boolean" }
        : { type: "string" };
  if (field.pattern !== undefined) schema.pattern = `^(?:${field.pattern})$`;
  if (field.description !== undefined) schema.description = field.description;
  // Optional fields accept null as "absent", as the validator does.
  return field.required ? schema : { anyOf: [schema, { type: "null" }] };
}

/** The JSON Schema of a body spec: an object with its fields, the required ones listed. */
export function bodySchema(spec: BodySpec, title: string): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries(spec).map(([name, field]) => [name, { title: name, ...fieldSchema(field) }]),
  );
  const required = Object.entries(spec)
    .filter(([, field]) => field.required)
    .map(([name]) => name);
  return {
    title,
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

/** Schemas every tessera document refers to. */
export const SHARED_SCHEMAS: Record<string, JsonSchema> = {
  UserRead: {
    title: "UserRead",
    type: "object",
    properties: {
      id: { type: "string" },
      email: { type: "string", format: "email" },
      is_active: { type: "boolean" },
      is_superuser: { type: "boolean" },
      is_verified: { type: "boolean" },
    },
    required: ["id", "email", "is_active", "is_superuser", "is_verified"],
  },
  BearerResponse: {
    title: "BearerResponse",
    type: "object",
    properties: {
      access_token: { type: "string" },
      token_type: { type: "string", const: "bearer" },
    },
    required: ["access_token", "token_type"],
  },
  ErrorModel: {
    title: "ErrorModel",
    type: "object",
    properties: {
      detail: {
        anyOf: [
          { type: "string" },
          {
            type: "object",
            properties: { code: { type: "string" }, reason: { type: "string" } },
            required: ["code", "reason"],
          },
        ],
      },
    },
    required: ["detail"],
  },
  ValidationError: {
    title: "ValidationError",
    type: "object",
    properties: {
      loc: { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } },
      msg: { type: "string" },
      type: { type: "string" },
      ctx: { type: "object" },
    },
    required: ["loc", "msg", "type"],
  },
  HTTPValidationError: {
    title: "HTTPValidationError",
    type: "object",
    properties: {
      detail: { type: "array", items: { $ref: "#/components/schemas/ValidationError" } },
    },
    required: ["detail"],
  },
};
