import { type Context, Hono } from "hono";
import { ErrorCode, InvalidPasswordException, UserAlreadyExists } from "../../errors.js";
import type { User, UserUpdate } from "../../models.js";
import type { Tessera } from "../../tessera.js";
import type { UserManager } from "../../user-manager.js";
import { DEFAULT_MAX_BODY_SIZE, limitBody, readJson } from "./body.js";
import { type AuthVariables, currentUser } from "./current-user.js";
import { describeRoutes } from "./openapi/route-docs.js";
import { usersRoutes } from "./openapi/tessera-routes.js";
import { detail, handleError, methodNotAllowed, noContent, validationError } from "./responses.js";
import { userUpdateSpec } from "./schemas.js";
import { type UserRouterOptions, userRead } from "./user-read.js";

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
  const me = currentUser(tessera, { active: true, verified: requiresVerification });
  const superuser = currentUser(tessera, {
    active: true,
    verified: requiresVerification,
    superuser: true,
  });
  const app = new Hono();
  app.onError(handleError);

  app.get("/me", me, function getMe(c) {
    return c.json(serializeUser(c.var.user));
  });

  app.patch("/me", limitBody(maxBodySize), me, async function patchMe(c) {
    return update(c, tessera.getUserManager(c), c.var.user, true);
  });

  app.get("/:id", superuser, async function getUser(c) {
    const user = await findUser(c, tessera.getUserManager(c));
    return user ? c.json(serializeUser(user)) : detail(c, 404, "Not Found");
  });

  app.patch("/:id", limitBody(maxBodySize), superuser, async function patchUser(c) {
    const manager = tessera.getUserManager(c);
    const user = await findUser(c, manager);
    return user ? update(c, manager, user, false) : detail(c, 404, "Not Found");
  });

  app.delete("/:id", superuser, async function deleteUser(c) {
    const manager = tessera.getUserManager(c);
    const user = await findUser(c, manager);
    if (!user) return detail(c, 404, "Not Found");
    await manager.delete(user, { request: c.req.raw });
    return noContent();
  });

  // `/me` first: a method `/me` lacks but `/{id}` has (DELETE) is served by `/{id}`, as in FastAPI.
  app.all("/me", methodNotAllowed(["GET", "PATCH"]));
  app.all("/:id", methodNotAllowed(["GET", "PATCH", "DELETE"]));

  async function update(c: Context, manager: UserManager<U, ID>, user: U, safe: boolean) {
    const body = await readJson(c, userUpdateSpec);
    if (!body.ok) return validationError(c, body.errors);
    const { email, password, is_active, is_superuser, is_verified } = body.data;
    const change: UserUpdate = {
      email,
      password,
      isActive: is_active,
      isSuperuser: is_superuser,
      isVerified: is_verified,
    };
    try {
      const updated = await manager.update(change, user, { safe, request: c.req.raw });
      if (password !== undefined) {
        // The requester keeps their own session when the password changed is theirs.
        const { authentication } = c.var as AuthVariables<U, ID>;
        const { user: requester, token } = authentication;
        const keep = requester?.id === updated.id && token !== null ? token : undefined;
        await tessera.passwordChanged(c, updated, { keep });
      }
      return c.json(serializeUser(updated));
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

/** The user named by the `:id` parameter, or `null` if the id is malformed or unknown. */
async function findUser<U extends User<ID>, ID>(
  c: Context,
  manager: UserManager<U, ID>,
): Promise<U | null> {
  const id = manager.parseId(c.req.param("id") ?? "");
  return id === null ? null : manager.userDb.get(id);
}
