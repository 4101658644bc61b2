import type { Context, MiddlewareHandler } from "hono";
import { detail } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import { errorResult } from "../../http/run-route.js";
import type { Authentication, CurrentUserOptions, Tessera } from "../../tessera.js";
import { HonoRequest } from "./hono-request.js";
import { honoResponse } from "./hono-response.js";

/** The request variables the guard sets: `c.var.user` and the full `c.var.authentication`. */
export interface AuthVariables<U extends User<ID>, ID, Optional extends boolean = false> {
  user: Optional extends true ? U | null : U;
  authentication: Authentication<U, ID, Context>;
}

/**
 * A guard that lets a request through only with a user meeting the options,
 * and puts it in `c.var.user`: 401 without a valid token (or an inactive user
 * where `active` is set), 403 when the user lacks a required flag or the only
 * credential is a cookie sent cross-site on an unsafe request (CSRF), with the
 * reason as `detail`. With `optional: true`, `c.var.user` is `null` instead.
 *
 * @example
 * app.get("/private", currentUser(tessera, { active: true }), (c) => c.json({ email: c.var.user.email }));
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
    const request = new HonoRequest(c);
    let authentication: Authentication<U, ID, Context>;
    try {
      authentication =
        tessera.authenticateNow(c, request, options) ??
        (await tessera.authenticate(c, request, options));
    } catch (error) {
      return honoResponse(c, errorResult(error, "currentUser"));
    }
    if (authentication.refusal !== null) {
      return honoResponse(c, detail(authentication.status, authentication.refusal));
    }
    c.set("user", authentication.user);
    c.set("authentication", authentication);
    await next();
  };
}
