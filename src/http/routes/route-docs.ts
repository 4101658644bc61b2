import type { ResolvedUserField } from "../../users/user-fields.js";
import type { ErrorDetail, JsonSchema, ResponseDoc } from "../route.js";
import { userReadSchema } from "../user-field-specs.js";

// Pieces the route groups' OpenAPI descriptions share.

export const USER = { $ref: "#/components/schemas/UserRead" };
/** The `UserRead` schema a route answering users documents: the contract's fields and the app's. */
export function userSchemas(fields: readonly ResolvedUserField[]): Record<string, JsonSchema> {
  return { UserRead: userReadSchema(fields) };
}
export const NULL = { type: "null" };
/** What an invalid-password error's `reason` stands for in the examples. */
export const REASON = "<reason from validatePassword>";

export const ok = (description: string, schema: Record<string, unknown>): ResponseDoc => ({
  description,
  schema,
});

export const fails = (description: string, ...details: ErrorDetail[]): ResponseDoc => ({
  description,
  details,
});

export const BEARER_RESPONSE = ok("Logged in", { $ref: "#/components/schemas/BearerResponse" });

export const ID_PARAMETER = {
  name: "id",
  description: "The user's id",
  schema: { type: "string" },
} as const;

/** What a credential change revokes, for the routes that make one. */
export function revocationNote(which: string, changes = "A new password"): string {
  return `${changes} revokes ${which}, including tokens issued by logins still in flight.`;
}
