import { detail } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import { errorResult } from "../../http/run-route.js";
import type { Authentication, CurrentUserOptions, Tessera } from "../../tessera.js";
import { type FastifyReplyLike, sendResult } from "./fastify-reply.js";
import { FastifyRequest, type FastifyRequestLike } from "./fastify-request.js";

/** What the guard puts on the request: `request.user` and the whole `request.authentication`. */
export interface Authenticated<U extends User<ID>, ID> {
  user: U | null;
  authentication: Authentication<U, ID, FastifyRequestLike>;
}

/**
 * A Fastify `preHandler` that lets a request through only with a user
 * meeting the options, and puts it on `request.user`: 401 without a valid
 * token (or an inactive user where `active` is set), 403 when the user lacks
 * a required flag or the only credential is a cookie sent cross-site on an
 * unsafe request (CSRF), with the reason as `detail`. With `optional: true`,
 * `request.user` is `null` instead. Call `app.decorateRequest("user", null)`
 * once so Fastify knows the property.
 *
 * @example
 * app.decorateRequest("user", null);
 * app.get("/private", { preHandler: currentUser(tessera, { active: true }) }, async (request) => ({
 *   email: (request as typeof request & { user: User }).user.email,
 * }));
 */
export function currentUser<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, FastifyRequestLike>,
  options: CurrentUserOptions<U, ID, FastifyRequestLike> = {},
) {
  return async function currentUser(request: FastifyRequestLike, reply: FastifyReplyLike) {
    const adapted = new FastifyRequest(request);
    let authentication: Authentication<U, ID, FastifyRequestLike>;
    try {
      authentication =
        tessera.authenticateNow(request, adapted, options) ??
        (await tessera.authenticate(request, adapted, options));
    } catch (error) {
      return sendResult(reply, errorResult(error, "currentUser"));
    }
    if (authentication.refusal !== null) {
      return sendResult(reply, detail(authentication.status, authentication.refusal));
    }
    Object.assign(request, { user: authentication.user, authentication } satisfies Authenticated<
      U,
      ID
    >);
  };
}
