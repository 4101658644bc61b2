import { detail } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import { errorResult } from "../../http/run-route.js";

type TesseraUser = User<unknown>;

import { writeResult } from "../../node/write-result.js";
import type { Authentication, CurrentUserOptions, Tessera } from "../../tessera.js";
import { ExpressRequest, type ExpressRequestLike } from "./express-request.js";
import type { ExpressHandler } from "./express-routes.js";

declare global {
  namespace Express {
    /** The user a `currentUser` guard let through; extend it with your own fields. */
    interface User extends TesseraUser {}
    interface Request {
      /** Set by tessera's `currentUser` guard (`null` when `optional` and anonymous). */
      user?: User | null;
      /** The whole outcome of tessera's `currentUser` guard. */
      authentication?: Authentication<User, unknown, Request>;
    }
  }
}

/**
 * Express middleware that lets a request through only with a user meeting
 * the options, and puts it on `req.user`: 401 without a valid token (or an
 * inactive user where `active` is set), 403 when the user lacks a required
 * flag or the only credential is a cookie sent cross-site on an unsafe
 * request (CSRF), with the reason as `detail`. With `optional: true`,
 * `req.user` is `null` instead.
 *
 * @example
 * app.get("/private", currentUser(tessera, { active: true }), (req, res) => {
 *   res.json({ email: req.user?.email });
 * });
 */
export function currentUser<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, ExpressRequestLike>,
  options: CurrentUserOptions<U, ID, ExpressRequestLike> = {},
): ExpressHandler {
  return function currentUser(req, res, next) {
    const admit = (authentication: Authentication<U, ID, ExpressRequestLike>) => {
      if (authentication.refusal !== null) {
        return writeResult(res, detail(authentication.status, authentication.refusal));
      }
      const target = req as ExpressRequestLike & { user?: unknown; authentication?: unknown };
      target.user = authentication.user;
      target.authentication = authentication;
      next();
    };
    const failed = (error: unknown) => writeResult(res, errorResult(error, "currentUser"));
    const request = new ExpressRequest(req);
    let now: Authentication<U, ID, ExpressRequestLike> | undefined;
    try {
      now = tessera.authenticateNow(req, request, options);
    } catch (error) {
      return failed(error);
    }
    if (now !== undefined) return admit(now);
    tessera.authenticate(req, request, options).then(admit, failed);
  };
}
