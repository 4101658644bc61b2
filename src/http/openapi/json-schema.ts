import type { JsonSchema } from "../route.js";
import { userReadSchema } from "../user-field-specs.js";
import type { BodySpec, FieldSpec } from "../validation.js";

/** The JSON Schema of a field, as its validator checks it. */
export function fieldSchema(field: FieldSpec): JsonSchema {
  const schema: JsonSchema =
    field.type === "email" ? { type: "string", format: "email" } : { type: field.type };
  if (field.pattern !== undefined) schema.pattern = `^(?:${field.pattern})$`;
  Object.assign(schema, field.schema);
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
  UserRead: userReadSchema([]),
  BearerResponse: {
    title: "BearerResponse",
    type: "object",
    properties: {
      access_token: { type: "string" },
      token_type: { type: "string", const: "bearer" },
    },
    required: ["access_token", "token_type"],
  },
  RefreshedBearerResponse: {
    title: "RefreshedBearerResponse",
    type: "object",
    properties: {
      access_token: { type: "string" },
      token_type: { type: "string", const: "bearer" },
      refresh_token: { type: "string", description: "Use once, with POST /refresh" },
      expires_in: {
        anyOf: [{ type: "integer" }, { type: "null" }],
        description: "Seconds the access token lives",
      },
    },
    required: ["access_token", "token_type", "refresh_token", "expires_in"],
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
