import {
  ErrorCode,
  InvalidPasswordException,
  InvalidResetPasswordToken,
  UserInactive,
} from "../../core/errors.js";
import { detail, json } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { Tessera } from "../../tessera.js";
import { eventSource } from "../event-source.js";
import { emailSubject, tokenSubject } from "../rate-limit/account-subject.js";
import { limitAccount, limitAddress, limitFoundAccount } from "../rate-limit/limit-call.js";
import { readBody } from "../read-body.js";
import type { Route, RouteGroup } from "../route.js";
import { emailSpec, resetPasswordSpec } from "../schemas.js";
import { fails, NULL, ok, REASON, revocationNote } from "./route-docs.js";
import { requireTokenSecret } from "./shared-manager.js";

export interface ResetPasswordRoutesOptions {
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
}

/**
 * `POST /forgot-password` (202 `null` whoever the email belongs to; the token
 * goes to the manager's `onAfterForgotPassword`) and `POST /reset-password`
 * (200 `null`, every access token of the user revoked) — FastAPI Users'
 * `get_reset_password_router`. The manager needs `resetPasswordTokenSecret`:
 * a shared manager (`getUserManager: () => manager`) without it is refused here.
 *
 * @example
 * const routes = resetPasswordRoutes(tessera); // mounted at /auth
 */
export function resetPasswordRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  options: ResetPasswordRoutesOptions = {},
): RouteGroup<Ctx> {
  const { maxBodySize } = options;
  requireTokenSecret(tessera, "reset", "resetPasswordRoutes");
  const forgotBody = { type: "json", name: "Body_reset_forgot_password", spec: emailSpec } as const;
  const resetBody = {
    type: "json",
    name: "Body_reset_reset_password",
    spec: resetPasswordSpec,
  } as const;

  const forgot: Route<Ctx, typeof emailSpec> = {
    method: "POST",
    path: "/forgot-password",
    body: forgotBody,
    maxBodySize,
    rateLimit: "forgotPassword",
    doc: {
      operationId: "reset:forgot_password",
      summary: "Forgot password",
      description:
        "Always 202 `null`, whether the email is unknown, inactive or active, so the answer " +
        "reveals nothing. For an active user a reset token (valid one hour by default, usable " +
        "once) is handed to the manager's `onAfterForgotPassword` hook, which emails it.",
      tags: ["auth"],
      responses: { 202: ok("Accepted, whoever the email belongs to", NULL) },
    },
    async handle({ request, ctx }) {
      await limitAddress(tessera, request, "forgotPassword");
      const { email } = await readBody(request, forgotBody, maxBodySize);
      const account = emailSubject(email);
      await limitAccount(tessera, "forgotPassword", account);
      await tessera.getUserManager(ctx).requestPasswordReset(email, request, {
        afterLookup: (user) => limitFoundAccount(tessera, "forgotPassword", account, user),
      });
      return json(202, null);
    },
  };

  const reset: Route<Ctx, typeof resetPasswordSpec> = {
    method: "POST",
    path: "/reset-password",
    body: resetBody,
    maxBodySize,
    rateLimit: "resetPassword",
    doc: {
      operationId: "reset:reset_password",
      summary: "Reset password",
      description: `Sets a new password with a reset token; the token then stops working. ${revocationNote("every access token of the user")}`,
      tags: ["auth"],
      responses: {
        200: ok("Password changed", NULL),
        400: fails(
          "The token is malformed, forged, expired or used, or its user is unknown or inactive; or the password is refused",
          ErrorCode.RESET_PASSWORD_BAD_TOKEN,
          { code: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD, reason: REASON },
        ),
      },
    },
    async handle({ request, ctx }) {
      await limitAddress(tessera, request, "resetPassword");
      const { token, password } = await readBody(request, resetBody, maxBodySize);
      await limitAccount(tessera, "resetPassword", tokenSubject(token));
      try {
        const user = await tessera.getUserManager(ctx).resetPassword(token, password, request);
        const source = eventSource(tessera, request);
        tessera.events.emit("password.reset", { ...source, at: new Date(), userId: user.id });
        await tessera.revokeAllTokens(ctx, user, {}, { reason: "password_reset", source });
        return json(200, null);
      } catch (error) {
        if (error instanceof InvalidResetPasswordToken || error instanceof UserInactive) {
          return detail(400, ErrorCode.RESET_PASSWORD_BAD_TOKEN);
        }
        if (error instanceof InvalidPasswordException) {
          return detail(400, {
            code: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD,
            reason: error.reason,
          });
        }
        throw error;
      }
    },
  };
  return [forgot, reset];
}
