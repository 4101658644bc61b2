import { type Context, Hono } from "hono";
import {
  ErrorCode,
  InvalidPasswordException,
  InvalidResetPasswordToken,
  UserInactive,
} from "../../errors.js";
import type { User } from "../../models.js";
import type { Tessera } from "../../tessera.js";
import { emailSubject, tokenSubject } from "../rate-limit/account-subject.js";
import { DEFAULT_MAX_BODY_SIZE, limitBody, readJson } from "./body.js";
import { describeRoutes } from "./openapi/route-docs.js";
import { resetPasswordRoutes } from "./openapi/tessera-routes.js";
import { limitByAccount, limitByAddress } from "./rate-limit.js";
import { detail, handleError, methodNotAllowed, validationError } from "./responses.js";
import { emailSpec, resetPasswordSpec } from "./schemas.js";

export interface ResetPasswordRouterOptions {
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
}

/**
 * `POST /forgot-password` (202 `null` whoever the email belongs to; the token
 * goes to the manager's `onAfterForgotPassword`) and `POST /reset-password`
 * (200 `null`, every access token of the user revoked) — FastAPI Users'
 * `get_reset_password_router`. The manager needs `resetPasswordTokenSecret`.
 *
 * @example
 * app.route("/auth", resetPasswordRouter(tessera));
 */
export function resetPasswordRouter<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: ResetPasswordRouterOptions = {},
): Hono {
  const { maxBodySize = DEFAULT_MAX_BODY_SIZE } = options;
  const app = new Hono();
  app.onError(handleError);

  app.post(
    "/forgot-password",
    limitByAddress(tessera, "forgotPassword"),
    limitBody(maxBodySize),
    async function forgotPassword(c) {
      const body = await readJson(c, emailSpec);
      if (!body.ok) return validationError(c, body.errors);
      const subject = emailSubject(body.data.email);
      const limited = await limitByAccount(c, tessera, "forgotPassword", subject);
      if (limited) return limited;
      await tessera.getUserManager(c).requestPasswordReset(body.data.email, c.req.raw);
      return c.json(null, 202);
    },
  );
  app.all("/forgot-password", methodNotAllowed(["POST"]));

  app.post(
    "/reset-password",
    limitByAddress(tessera, "resetPassword"),
    limitBody(maxBodySize),
    async function resetPassword(c) {
      const body = await readJson(c, resetPasswordSpec);
      if (!body.ok) return validationError(c, body.errors);
      const subject = tokenSubject(body.data.token);
      const limited = await limitByAccount(c, tessera, "resetPassword", subject);
      if (limited) return limited;
      try {
        const { token, password } = body.data;
        const user = await tessera.getUserManager(c).resetPassword(token, password, c.req.raw);
        await tessera.revokeAllTokens(c, user);
        return c.json(null, 200);
      } catch (error) {
        if (error instanceof InvalidResetPasswordToken || error instanceof UserInactive) {
          return detail(c, 400, ErrorCode.RESET_PASSWORD_BAD_TOKEN);
        }
        if (error instanceof InvalidPasswordException) {
          return detail(c, 400, {
            code: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD,
            reason: error.reason,
          });
        }
        throw error;
      }
    },
  );
  app.all("/reset-password", methodNotAllowed(["POST"]));

  return describeRoutes(app, resetPasswordRoutes());
}
