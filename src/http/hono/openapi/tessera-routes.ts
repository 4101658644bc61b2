import { ErrorCode } from "../../../errors.js";
import type { Tessera } from "../../../tessera.js";
import { CookieTransport } from "../../../transports/cookie-transport.js";
import {
  emailSpec,
  loginFormSpec,
  resetPasswordSpec,
  userCreateSpec,
  userUpdateSpec,
  verifySpec,
} from "../schemas.js";
import type { DocumentedBackend, ErrorDetail, ResponseDoc, RouteDoc } from "./route-docs.js";

// The route descriptions of tessera's own routers, FastAPI Users' operation ids included.

// biome-ignore lint/suspicious/noExplicitAny: documentation reads only names and transports.
type AnyTessera = Tessera<any, any, any>;

const USER = { $ref: "#/components/schemas/UserRead" };
const NULL = { type: "null" };
const REASON = "<reason from validatePassword>";

const ok = (description: string, schema: Record<string, unknown>): ResponseDoc => ({
  description,
  schema,
});
const fails = (description: string, ...details: ErrorDetail[]): ResponseDoc => ({
  description,
  details,
});

const ID_PARAMETER = {
  name: "id",
  description: "The user's id",
  schema: { type: "string" },
};

function revocationNote(which: string, changes = "A new password"): string {
  return `${changes} revokes ${which}, including tokens issued by logins still in flight.`;
}

/** `authRouter`: login and logout for one backend. */
export function authRoutes(
  tessera: AnyTessera,
  backend: DocumentedBackend,
  requiresVerification: boolean,
): RouteDoc[] {
  const cookie = backend.transport instanceof CookieTransport;
  const loginErrors: ErrorDetail[] = [ErrorCode.LOGIN_BAD_CREDENTIALS];
  if (requiresVerification) loginErrors.push(ErrorCode.LOGIN_USER_NOT_VERIFIED);
  const login: Record<number, ResponseDoc> = {
    200: ok("Logged in", { $ref: "#/components/schemas/BearerResponse" }),
    400: fails("Bad credentials, an unknown or an inactive user", ...loginErrors),
  };
  if (cookie) {
    delete login[200];
    login[204] = {
      description: "Logged in: the token is in an HttpOnly cookie",
      headers: { "set-cookie": { description: "The session cookie", schema: { type: "string" } } },
    };
    login[403] = fails(
      "A browser request from an untrusted origin (login CSRF)",
      ErrorCode.CSRF_ORIGIN_NOT_TRUSTED,
      ErrorCode.CSRF_CROSS_SITE_REQUEST,
    );
  }
  const logout: Record<number, ResponseDoc> = cookie
    ? {
        204: {
          description: "Logged out: the token is revoked and the cookie cleared",
          headers: {
            "set-cookie": { description: "Clears the cookie", schema: { type: "string" } },
          },
        },
      }
    : { 204: { description: "Logged out: the token is revoked" } };
  return [
    {
      method: "post",
      path: "/login",
      operationId: `auth:${backend.name}.login`,
      summary: `Log in (${backend.name})`,
      description:
        "OAuth2 password form: `username` is the email (any case). A new access token " +
        "per login; an unknown email costs the same time as a wrong password.",
      tags: ["auth"],
      body: { type: "form", name: `Body_auth_${backend.name}_login`, spec: loginFormSpec },
      responses: login,
    },
    {
      method: "post",
      path: "/logout",
      operationId: `auth:${backend.name}.logout`,
      summary: `Log out (${backend.name})`,
      description: "Deletes the token the request carries; the user's other tokens keep working.",
      tags: ["auth"],
      security: tessera.backends,
      responses: logout,
    },
  ];
}

/** `registerRouter`. */
export function registerRoutes(): RouteDoc[] {
  return [
    {
      method: "post",
      path: "/register",
      operationId: "register:register",
      summary: "Register",
      description:
        "Creates an active, unverified, non-superuser account (the flags in the body are ignored).",
      tags: ["auth"],
      body: { type: "json", name: "UserCreate", spec: userCreateSpec },
      responses: {
        201: ok("The new user", USER),
        400: fails(
          "The email is taken (any case), or the password is refused",
          ErrorCode.REGISTER_USER_ALREADY_EXISTS,
          { code: ErrorCode.REGISTER_INVALID_PASSWORD, reason: REASON },
        ),
      },
    },
  ];
}

/** `resetPasswordRouter`. */
export function resetPasswordRoutes(): RouteDoc[] {
  return [
    {
      method: "post",
      path: "/forgot-password",
      operationId: "reset:forgot_password",
      summary: "Forgot password",
      description:
        "Always 202 `null`, whether the email is unknown, inactive or active, so the answer " +
        "reveals nothing. For an active user a reset token (valid one hour by default, usable " +
        "once) is handed to the manager's `onAfterForgotPassword` hook, which emails it.",
      tags: ["auth"],
      body: { type: "json", name: "Body_reset_forgot_password", spec: emailSpec },
      responses: { 202: ok("Accepted, whoever the email belongs to", NULL) },
    },
    {
      method: "post",
      path: "/reset-password",
      operationId: "reset:reset_password",
      summary: "Reset password",
      description: `Sets a new password with a reset token; the token then stops working. ${revocationNote("every access token of the user")}`,
      tags: ["auth"],
      body: { type: "json", name: "Body_reset_reset_password", spec: resetPasswordSpec },
      responses: {
        200: ok("Password changed", NULL),
        400: fails(
          "The token is malformed, forged, expired or used, or its user is unknown or inactive; or the password is refused",
          ErrorCode.RESET_PASSWORD_BAD_TOKEN,
          { code: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD, reason: REASON },
        ),
      },
    },
  ];
}

/** `verifyRouter`. */
export function verifyRoutes(_tessera: AnyTessera): RouteDoc[] {
  return [
    {
      method: "post",
      path: "/request-verify-token",
      operationId: "verify:request-token",
      summary: "Request a verification token",
      description:
        "Always 202 `null` for a valid email. For an active, unverified user a token is handed " +
        "to the manager's `onAfterRequestVerify` hook, which emails it.",
      tags: ["auth"],
      body: { type: "json", name: "Body_verify_request_token", spec: emailSpec },
      responses: { 202: ok("Accepted, whoever the email belongs to", NULL) },
    },
    {
      method: "post",
      path: "/verify",
      operationId: "verify:verify",
      summary: "Verify an email",
      tags: ["auth"],
      body: { type: "json", name: "Body_verify_verify", spec: verifySpec },
      responses: {
        200: ok("The user, now verified", USER),
        400: fails(
          "The token is malformed, forged or expired, its user unknown or its email changed since; or the user is already verified",
          ErrorCode.VERIFY_USER_BAD_TOKEN,
          ErrorCode.VERIFY_USER_ALREADY_VERIFIED,
        ),
      },
    },
  ];
}

/** `usersRouter`. */
export function usersRoutes(tessera: AnyTessera, requiresVerification: boolean): RouteDoc[] {
  const security = tessera.backends;
  const notVerified: Record<number, ResponseDoc> = requiresVerification
    ? { 403: fails("The user is not verified", "Forbidden") }
    : {};
  const forbidden = fails("Not a superuser", "Forbidden");
  const missing = fails("No user has this id (or it is malformed)", "Not Found");
  const updateErrors = fails(
    "The email is taken (any case), or the password is refused",
    ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS,
    { code: ErrorCode.UPDATE_USER_INVALID_PASSWORD, reason: REASON },
  );
  const base = { tags: ["users"], security } as const;
  return [
    {
      ...base,
      method: "get",
      path: "/me",
      operationId: "users:current_user",
      summary: "The current user",
      responses: { 200: ok("The current user", USER), ...notVerified },
    },
    {
      ...base,
      method: "patch",
      path: "/me",
      operationId: "users:patch_current_user",
      summary: "Update the current user",
      description: `Changes the email (which unverifies the user) or the password; \`is_active\`, \`is_superuser\` and \`is_verified\` are ignored. ${revocationNote("every other access token of the user: the token making this request keeps working", "A new password or email")}`,
      body: { type: "json", name: "UserUpdate", spec: userUpdateSpec },
      responses: { 200: ok("The updated user", USER), 400: updateErrors, ...notVerified },
    },
    {
      ...base,
      method: "get",
      path: "/{id}",
      operationId: "users:user",
      summary: "A user (superusers)",
      parameters: [ID_PARAMETER],
      responses: { 200: ok("The user", USER), 403: forbidden, 404: missing },
    },
    {
      ...base,
      method: "patch",
      path: "/{id}",
      operationId: "users:patch_user",
      summary: "Update a user (superusers)",
      description: `Every field applies, flags included. ${revocationNote("every access token of that user (but the request's own, when superusers change themselves)", "A new password or email, or a deactivation,")}`,
      parameters: [ID_PARAMETER],
      body: { type: "json", name: "UserUpdate", spec: userUpdateSpec },
      responses: {
        200: ok("The updated user", USER),
        400: updateErrors,
        403: forbidden,
        404: missing,
      },
    },
    {
      ...base,
      method: "delete",
      path: "/{id}",
      operationId: "users:delete_user",
      summary: "Delete a user (superusers)",
      description: "The user's access tokens go with it.",
      parameters: [ID_PARAMETER],
      responses: { 204: { description: "Deleted" }, 403: forbidden, 404: missing },
    },
  ];
}
