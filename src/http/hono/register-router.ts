import { type Context, Hono } from "hono";
import { ErrorCode, InvalidPasswordException, UserAlreadyExists } from "../../errors.js";
import type { User } from "../../models.js";
import type { Tessera } from "../../tessera.js";
import { emailSubject } from "../rate-limit/account-subject.js";
import { DEFAULT_MAX_BODY_SIZE, limitBody, readJson } from "./body.js";
import { describeRoutes } from "./openapi/route-docs.js";
import { registerRoutes } from "./openapi/tessera-routes.js";
import { limitByAccount, limitByAddress } from "./rate-limit.js";
import {
  detail,
  handleError,
  methodNotAllowed,
  privateJson,
  validationError,
} from "./responses.js";
import { userCreateSpec } from "./schemas.js";
import { type UserRouterOptions, userRead } from "./user-read.js";

/**
 * `POST /register`: creates an active, unverified, non-superuser account and
 * answers 201 with it (FastAPI Users' `get_register_router`).
 *
 * @example
 * app.route("/auth", registerRouter(tessera));
 */
export function registerRouter<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: UserRouterOptions<U> = {},
): Hono {
  const { serializeUser = userRead, maxBodySize = DEFAULT_MAX_BODY_SIZE } = options;
  const app = new Hono();
  app.onError(handleError);

  app.post(
    "/register",
    limitByAddress(tessera, "register"),
    limitBody(maxBodySize),
    async function register(c) {
      const body = await readJson(c, userCreateSpec);
      if (!body.ok) return validationError(c, body.errors);
      const limited = await limitByAccount(c, tessera, "register", emailSubject(body.data.email));
      if (limited) return limited;
      try {
        const user = await tessera
          .getUserManager(c)
          .create(
            { email: body.data.email, password: body.data.password },
            { safe: true, request: c.req.raw },
          );
        return privateJson(c, serializeUser(user), 201);
      } catch (error) {
        if (error instanceof InvalidPasswordException) {
          return detail(c, 400, {
            code: ErrorCode.REGISTER_INVALID_PASSWORD,
            reason: error.reason,
          });
        }
        if (error instanceof UserAlreadyExists) {
          return detail(c, 400, ErrorCode.REGISTER_USER_ALREADY_EXISTS);
        }
        throw error;
      }
    },
  );
  app.all("/register", methodNotAllowed(["POST"]));

  return describeRoutes(app, registerRoutes());
}
