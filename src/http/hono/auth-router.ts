import { type Context, Hono } from "hono";
import type { AuthenticationBackend } from "../../authentication-backend.js";
import { ErrorCode, UserNotExists } from "../../errors.js";
import type { User } from "../../models.js";
import type { Tessera } from "../../tessera.js";
import { emailSubject } from "../rate-limit/account-subject.js";
import { DEFAULT_MAX_BODY_SIZE, limitBody, readForm } from "./body.js";
import { currentUser } from "./current-user.js";
import { describeRoutes } from "./openapi/route-docs.js";
import { authRoutes } from "./openapi/tessera-routes.js";
import { limitByAccount, limitByAddress } from "./rate-limit.js";
import { detail, handleError, methodNotAllowed, validationError } from "./responses.js";
import { loginFormSpec } from "./schemas.js";

export interface AuthRouterOptions {
  /** Refuse login (400 `LOGIN_USER_NOT_VERIFIED`) and logout to unverified users. @default false */
  requiresVerification?: boolean;
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
}

/**
 * `POST /login` (OAuth2 password form) and `POST /logout` for one backend
 * (FastAPI Users' `get_auth_router`). Mount one per backend.
 *
 * @example
 * app.route("/auth", authRouter(tessera, bearerBackend));
 * app.route("/auth/cookie", authRouter(tessera, cookieBackend));
 */
export function authRouter<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  backend: AuthenticationBackend<U, ID, Context>,
  options: AuthRouterOptions = {},
): Hono {
  const { requiresVerification = false, maxBodySize = DEFAULT_MAX_BODY_SIZE } = options;
  const app = new Hono();
  app.onError(handleError);

  app.post(
    "/login",
    limitByAddress(tessera, "login"),
    limitBody(maxBodySize),
    async function login(c) {
      // Login CSRF: a foreign page must not log the browser into another account.
      const refusal = backend.transport.checkRequestOrigin?.(c.req.raw);
      if (refusal) return detail(c, 403, refusal);
      const form = await readForm(c, loginFormSpec);
      if (!form.ok) return validationError(c, form.errors);
      const subject = emailSubject(form.data.username);
      const limited = await limitByAccount(c, tessera, "login", subject);
      if (limited) return limited;
      const manager = tessera.getUserManager(c);
      const user = await manager.authenticate({
        email: form.data.username,
        password: form.data.password,
      });
      if (!user?.isActive) return detail(c, 400, ErrorCode.LOGIN_BAD_CREDENTIALS);
      if (requiresVerification && !user.isVerified) {
        return detail(c, 400, ErrorCode.LOGIN_USER_NOT_VERIFIED);
      }
      let response: Response;
      try {
        response = await backend.login(backend.getStrategy(c), user);
      } catch (error) {
        // Deleted between the password check and the token's insert.
        if (error instanceof UserNotExists) return detail(c, 400, ErrorCode.LOGIN_BAD_CREDENTIALS);
        throw error;
      }
      await manager.onAfterLogin(user, c.req.raw);
      return response;
    },
  );
  app.all("/login", methodNotAllowed(["POST"]));

  const authenticated = currentUser(tessera, { active: true, verified: requiresVerification });
  app.post("/logout", authenticated, async function logout(c) {
    const { authentication } = c.var;
    if (authentication.token === null) return detail(c, 401, "Unauthorized");
    return backend.logout(backend.getStrategy(c), authentication.user, authentication.token);
  });
  app.all("/logout", methodNotAllowed(["POST"]));

  return describeRoutes(app, authRoutes(tessera, backend, requiresVerification));
}
