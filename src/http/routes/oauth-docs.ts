import { ErrorCode } from "../../core/errors.js";
import type { ErrorDetail, ResponseDoc } from "../route.js";
import { fails, ok } from "./route-docs.js";

// Pieces the OAuth route groups' OpenAPI descriptions share.

export const SCOPES_QUERY = {
  name: "scopes",
  description: "Scopes to ask the provider for, besides its own (repeat the parameter for several)",
  schema: { type: "array", items: { type: "string" } },
} as const;

export const CALLBACK_QUERY = [
  { name: "code", description: "The provider's authorization code", schema: { type: "string" } },
  { name: "state", description: "The state `/authorize` gave", schema: { type: "string" } },
  {
    name: "error",
    description: "The provider's error (`access_denied` when the person cancelled)",
    schema: { type: "string" },
  },
  {
    name: "iss",
    description: "The issuer that answered (RFC 9207), checked when the provider sends it",
    schema: { type: "string" },
  },
] as const;

export const AUTHORIZE_RESPONSES: Record<number, ResponseDoc> = {
  200: ok("Where to send the browser", {
    type: "object",
    properties: { authorization_url: { type: "string", format: "uri" } },
    required: ["authorization_url"],
  }),
  503: fails(
    "The provider could not be reached in time, or refused the app (logged)",
    ErrorCode.OAUTH_PROVIDER_UNAVAILABLE,
  ),
};

const PROVIDER_ERROR: ErrorDetail = {
  code: ErrorCode.OAUTH_PROVIDER_ERROR,
  reason: "access_denied",
};

/** The 400s and the 503 of a callback, with the flow's own 400s. */
export function callbackFailures(own: readonly ErrorDetail[]): Record<number, ResponseDoc> {
  return {
    400: fails(
      "The state is missing, forged, expired, used, or from another browser; the provider " +
        "refused the code, sent an invalid ID token or no email, or sent an error",
      ErrorCode.OAUTH_INVALID_STATE,
      ErrorCode.OAUTH_INVALID_CODE,
      ErrorCode.OAUTH_INVALID_ID_TOKEN,
      ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL,
      PROVIDER_ERROR,
      ...own,
    ),
    503: fails(
      "The provider could not be reached in time, reported trouble, or refused the app (logged)",
      ErrorCode.OAUTH_PROVIDER_UNAVAILABLE,
    ),
  };
}
