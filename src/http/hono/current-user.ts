import type { Context, MiddlewareHandler } from "hono";
import type { AuthenticationBackend } from "../../authentication-backend.js";
import type { User } from "../../models.js";
import type { Authentication, CurrentUserOptions, Tessera } from "../../tessera.js";
import type { CsrfRefusal } from "../../transports/request-origin.js";
import { detail, phrase } from "./responses.js";

/** The request variables a guard sets: `c.var.user` and the full `c.var.authentication`. */
export interface AuthVariables<U extends User<ID>, ID, Optional extends boolean = false> {
  user: Optional extends true ? U | null : U;
  authentication: Authentication<U, ID, Context>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A guard that lets a request through only with a user meeting the options, and
 * puts it in `c.var.user`. Answers 401 (no valid token, or an inactive user where
 * `active` is set) or 403 (not verified / not superuser), as FastAPI Users'
 * `current_user`. With `optional: true`, `c.var.user` is `null` instead.
 *
 * On unsafe methods, a cookie sent from an untrusted origin is not used to
 * authenticate (CSRF); if nothing else authenticates the request, the answer
 * is 403 with the reason (`CSRF_ORIGIN_NOT_TRUSTED`, `CSRF_CROSS_SITE_REQUEST`).
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
  const authenticate = requestAuthenticator(tessera, options);
  return async function currentUser(c, next) {
    const authentication = await authenticate(c);
    if (authentication instanceof Response) return authentication;
    c.set("user", authentication.user);
    c.set("authentication", authentication);
    await next();
  };
}

/**
 * What {@link currentUser} does, as a function: the request's authentication,
 * or the 401/403 answer to send. For routers that serve several guards from
 * one handler (one handler keeps Hono on its fast path).
 */
export function requestAuthenticator<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: CurrentUserOptions<U, ID, Context> = {},
): (c: Context) => Promise<Authentication<U, ID, Context> | Response> {
  const backends = options.backends ?? tessera.backends;
  const guarded = backends.some((backend) => backend.transport.checkRequestOrigin);
  return async function authenticateRequest(c) {
    let refusal: CsrfRefusal | null = null;
    let authentication: Authentication<U, ID, Context>;
    if (guarded && !SAFE_METHODS.has(c.req.method)) {
      const allowed = backends.filter((backend) => {
        const reason = refuses(backend, c.req.raw);
        refusal ??= reason;
        return reason === null;
      });
      authentication = await tessera.authenticate(c, c.req.raw.headers, {
        ...options,
        backends: allowed,
      });
    } else {
      authentication = await tessera.authenticate(c, c.req.raw.headers, options);
    }
    if (refusal !== null && authentication.user === null) return detail(c, 403, refusal);
    if (authentication.status !== 200) {
      return detail(c, authentication.status, phrase(authentication.status));
    }
    return authentication;
  };
}

/** Why this backend may not authenticate this request, if it carries its credential. */
function refuses<U extends User<ID>, ID>(
  backend: AuthenticationBackend<U, ID, Context>,
  request: Request,
): CsrfRefusal | null {
  const { transport } = backend;
  if (!transport.checkRequestOrigin || transport.readToken(request.headers) === null) return null;
  return transport.checkRequestOrigin(request);
}
