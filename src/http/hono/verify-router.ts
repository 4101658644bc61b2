import { type Context, Hono } from "hono";
import { ErrorCode, InvalidVerifyToken, UserAlreadyVerified } from "../../errors.js";
import type { User } from "../../models.js";
import type { Tessera } from "../../tessera.js";
import { emailSubject, tokenSubject } from "../rate-limit/account-subject.js";
import { DEFAULT_MAX_BODY_SIZE, limitBody, readJson } from "./body.js";
import { describeRoutes } from "./openapi/route-docs.js";
import { verifyRoutes } from "./openapi/tessera-routes.js";
import { limitByAccount, limitByAddress } from "./rate-limit.js";
import {
  detail,
  handleError,
  methodNotAllowed,
  privateJson,
  validationError,
} from "./responses.js";
import { emailSpec, verifySpec } from "./schemas.js";
import { type UserRouterOptions, userRead } from "./user-read.js";

/**
 * `POST /request-verify-token` (202 `null` for any valid email; the token goes
 * to the manager's `onAfterRequestVerify`) and `POST /verify` (200 with the
 * verified user) — FastAPI Users' `get_verify_router`. The manager needs
 * `verificationTokenSecret`.
 *
 * @example
 * app.route("/auth", verifyRouter(tessera));
 */
export function verifyRouter<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: UserRouterOptions<U> = {},
): Hono {
  const { serializeUser = userRead, maxBodySize = DEFAULT_MAX_BODY_SIZE } = options;
  const app = new Hono();
  app.onError(handleError);

  app.post(
    "/request-verify-token",
    limitByAddress(tessera, "requestVerifyToken"),
    limitBody(maxBodySize),
    async function requestVerify(c) {
      const body = await readJson(c, emailSpec);
      if (!body.ok) return validationError(c, body.errors);
      const subject = emailSubject(body.data.email);
      const limited = await limitByAccount(c, tessera, "requestVerifyToken", subject);
      if (limited) return limited;
      await tessera.getUserManager(c).requestVerification(body.data.email, c.req.raw);
      return c.json(null, 202);
    },
  );
  app.all("/request-verify-token", methodNotAllowed(["POST"]));

  app.post(
    "/verify",
    limitByAddress(tessera, "verify"),
    limitBody(maxBodySize),
    async function verify(c) {
      const body = await readJson(c, verifySpec);
      if (!body.ok) return validationError(c, body.errors);
      const limited = await limitByAccount(c, tessera, "verify", tokenSubject(body.data.token));
      if (limited) return limited;
      try {
        const user = await tessera.getUserManager(c).verify(body.data.token, c.req.raw);
        return privateJson(c, serializeUser(user));
      } catch (error) {
        if (error instanceof InvalidVerifyToken) {
          return detail(c, 400, ErrorCode.VERIFY_USER_BAD_TOKEN);
        }
        if (error instanceof UserAlreadyVerified) {
          return detail(c, 400, ErrorCode.VERIFY_USER_ALREADY_VERIFIED);
        }
        throw error;
      }
    },
  );
  app.all("/verify", methodNotAllowed(["POST"]));

  return describeRoutes(app, verifyRoutes(tessera));
}
