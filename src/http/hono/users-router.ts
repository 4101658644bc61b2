import { type Context, Hono } from "hono";
import { ErrorCode, InvalidPasswordException, StaleUser, UserAlreadyExists } from "../../errors.js";
import type { User, UserUpdate } from "../../models.js";
import type { Authentication, Tessera } from "../../tessera.js";
import type { UserManager } from "../../user-manager.js";
import { DEFAULT_MAX_BODY_SIZE, limitBody, readJson } from "./body.js";
import { requestAuthenticator } from "./current-user.js";
import { describeRoutes } from "./openapi/route-docs.js";
import { usersRoutes } from "./openapi/tessera-routes.js";
import {
  answeringErrors,
  detail,
  methodNotAllowed,
  noContent,
  privateJson,
  validationError,
} from "./responses.js";
import { userUpdateSpec } from "./schemas.js";
import { type UserRouterOptions, userRead } from "./user-read.js";
import type { BodyOf, Validated } from "./validation.js";

export interface UsersRouterOptions<U> extends UserRouterOptions<U> {
  /** Require a verified user on every route. @default false */
  requiresVerification?: boolean;
}

/**
 * `GET`/`PATCH /me` for any active user; `GET`/`PATCH`/`DELETE /{id}` for
 * superusers (FastAPI Users' `get_users_router`). On `/{id}` the checks run
 * 401 → 403 → 404 → 422, so a normal user learns nothing about other ids.
 *
 * @example
 * app.route("/users", usersRouter(tessera));
 */
export function usersRouter<U extends User<ID>, ID>(
  tessera: Tessera<U, ID, Context>,
  options: UsersRouterOptions<U> = {},
): Hono {
  const {
    serializeUser = userRead,
    maxBodySize = DEFAULT_MAX_BODY_SIZE,
    requiresVerification = false,
  } = options;
  const authenticateMe = requestAuthenticator(tessera, {
    active: true,
    verified: requiresVerification,
  });
  const authenticateSuperuser = requestAuthenticator(tessera, {
    active: true,
    verified: requiresVerification,
    superuser: true,
  });
  // No `app.onError`: each handler answers its own errors (see `answeringErrors`).
  const app = new Hono();

  // One handler per method serves both `/me` and `/{id}`. A static `/me` beside `/:id` would push
  // Hono off its RegExpRouter for the whole app, and more than one handler matching a request takes
  // Hono's slower middleware path: `GET /users/me` is the request every page load makes.
  app.get(
    "/:id",
    answeringErrors(async function getUser(c) {
      if (c.req.param("id") === "me") {
        const authentication = await authenticateMe(c);
        if (authentication instanceof Response) return authentication;
        return privateJson(c, serializeUser(authenticated(authentication).user));
      }
      const authentication = await authenticateSuperuser(c);
      if (authentication instanceof Response) return authentication;
      const user = await findUser(c, tessera.getUserManager(c));
      return user ? privateJson(c, serializeUser(user)) : detail(c, 404, "Not Found");
    }),
  );

  app.patch(
    "/:id",
    limitBody(maxBodySize),
    answeringErrors(async function patchUser(c) {
      const me = c.req.param("id") === "me";
      let body: Promise<Validated<BodyOf<typeof userUpdateSpec>>> | undefined;
      // A user changed by someone else meanwhile is read again, and the requester authenticated
      // again: a session that change ended must not slip its own change in after it.
      for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
        const authentication = await (me ? authenticateMe : authenticateSuperuser)(c);
        if (authentication instanceof Response) return authentication;
        const requester = authenticated(authentication);
        const manager = tessera.getUserManager(c);
        const user = me ? requester.user : await findUser(c, manager);
        if (!user) return detail(c, 404, "Not Found");
        body ??= readJson(c, userUpdateSpec);
        const change = await body;
        if (!change.ok) return validationError(c, change.errors);
        try {
          return await update(c, manager, user, requester, me, change.data);
        } catch (error) {
          if (!(error instanceof StaleUser)) throw error;
        }
      }
      return detail(c, 409, ErrorCode.UPDATE_USER_CONFLICT);
    }),
  );

  // `/me` has no DELETE: it is served by `/{id}` (so a superuser gets 404), as in FastAPI.
  app.delete(
    "/:id",
    answeringErrors(async function deleteUser(c) {
      const authentication = await authenticateSuperuser(c);
      if (authentication instanceof Response) return authentication;
      const manager = tessera.getUserManager(c);
      const user = await findUser(c, manager);
      if (!user) return detail(c, 404, "Not Found");
      await manager.delete(user, { request: c.req.raw });
      return noContent();
    }),
  );

  // Registered for the other methods only, so that it never joins the handlers of an allowed one.
  const meNotAllowed = methodNotAllowed(["GET", "PATCH"]);
  const idNotAllowed = methodNotAllowed(["GET", "PATCH", "DELETE"]);
  app.on(OTHER_METHODS, "/:id", function notAllowed(c) {
    return c.req.param("id") === "me" ? meNotAllowed(c) : idNotAllowed(c);
  });

  async function update(
    c: Context,
    manager: UserManager<U, ID>,
    user: U,
    requester: Authenticated<U, ID>,
    safe: boolean,
    body: BodyOf<typeof userUpdateSpec>,
  ) {
    const { email, password, is_active, is_superuser, is_verified } = body;
    const change: UserUpdate = {
      email,
      password,
      isActive: is_active,
      isSuperuser: is_superuser,
      isVerified: is_verified,
    };
    try {
      const updated = await manager.update(change, user, { safe, request: c.req.raw });
      // The requester keeps their own session when the user changed is themself.
      const keep = requester.user.id === updated.id ? requester.token : undefined;
      await tessera.credentialsChanged(c, user, updated, { keep });
      return privateJson(c, serializeUser(updated));
    } catch (error) {
      if (error instanceof InvalidPasswordException) {
        return detail(c, 400, {
          code: ErrorCode.UPDATE_USER_INVALID_PASSWORD,
          reason: error.reason,
        });
      }
      if (error instanceof UserAlreadyExists) {
        return detail(c, 400, ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS);
      }
      throw error;
    }
  }

  return describeRoutes(app, usersRoutes(tessera, requiresVerification));
}

/** Tries of a `PATCH` whose user keeps changing under it before it answers 409. */
const PATCH_ATTEMPTS = 3;

/** Standard methods `/{id}` does not serve (`HEAD` is served as `GET`). */
const OTHER_METHODS = ["POST", "PUT", "OPTIONS", "TRACE", "CONNECT"];

/** A request that passed a non-optional guard. */
type Authenticated<U extends User<ID>, ID> = Extract<
  Authentication<U, ID, Context>,
  { token: string }
>;

/** Narrows what a non-optional guard let through: it always carries a user. */
function authenticated<U extends User<ID>, ID>(
  authentication: Authentication<U, ID, Context>,
): Authenticated<U, ID> {
  if (authentication.token === null) throw new Error("a non-optional guard let no user through");
  return authentication as Authenticated<U, ID>;
}

/** The user named by the `:id` parameter, or `null` if the id is malformed or unknown. */
async function findUser<U extends User<ID>, ID>(
  c: Context,
  manager: UserManager<U, ID>,
): Promise<U | null> {
  const id = manager.parseId(c.req.param("id") ?? "");
  return id === null ? null : manager.userDb.get(id);
}
