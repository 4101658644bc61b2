import type { Context, MiddlewareHandler } from "hono";
import type { User } from "../../models.js";
import type { Authentication, CurrentUserOptions, Tessera } from "../../tessera.js";
import { detail, phrase } from "./responses.js";

/** The request variables a guard sets: `c.var.user` and the full `c.var.authentication`. */
export interface AuthVariables<U extends User<ID>, ID, Optional extends boolean = false> {
  user: Optional extends true ? U | null : U;
  authentication: Authentication<U, ID, Context>;
}

/**
 * A guard that lets a request through only with a user meeting the options, and
 * puts it in `c.var.user`. Answers 401 (no valid token, or an inactive user where
 * `active` is set) or 403 (not verified / not superuser), as FastAPI Users'
 * `current_user`. With `optional: true`, `c.var.user` is `null` instead.
 *
 * @example
 * app.get("/private", currentUser(tessera, { active: true }), (c) => c.json({ hello: c.var.user.email }));
 */
export function currentUser<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: CurrentUserOptions<U, ID, Context> & { optional: true },
): MiddlewareHandler<{ Variables: AuthVariables<U, ID, true> }>;
export function currentUser<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options?: CurrentUserOptions<U, ID, Context>,
): MiddlewareHandler<{ Variables: AuthVariables<U, ID> }>;
export function currentUser<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: CurrentUserOptions<U, ID, Context> = {},
): MiddlewareHandler {
  return async function currentUser(c, next) {
    const authentication = await tessera.authenticate(c, c.req.raw.headers, options);
    if (authentication.status !== 200) {
      return detail(c, authentication.status, phrase(authentication.status));
    }
    c.set("user", authentication.user);
    c.set("authentication", authentication);
    await next();
  };
}
