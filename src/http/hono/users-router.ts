import { type Context, type Env, Hono, type MiddlewareHandler } from "hono";
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

  // `/me` and `/{id}` share one route per method, `/me`'s handlers first: Hono's RegExpRouter, its
  // fastest, cannot hold a static segment beside a parameter, and one such pair would send the whole
  // app to its TrieRouter (~7 µs instead of ~0.3 µs to route each request; bench/README.md).
  type Authenticated = { Variables: AuthVariables<U, ID> };
  const forMe = onlyIf<Authenticated>((id) => id === "me");
  const forId = onlyIf<Authenticated>((id) => id !== "me");

  // `c.get`, not `c.var`: `c.var` copies every request variable into a new object on each read.
  app.get(
    "/:id",
    forMe(me),
    forMe(async function getMe(c) {
      return c.json(serializeUser(c.get("user")));
    }),
    forId(superuser),
    forId(async function getUser(c) {
      const user = await findUser(c, tessera.getUserManager(c));
      return user ? c.json(serializeUser(user)) : detail(c, 404, "Not Found");
    }),
  );

  app.patch(
    "/:id",
    limitBody(maxBodySize),
    forMe(me),
    forMe(async function patchMe(c) {
      return update(c, tessera.getUserManager(c), c.get("user"), true);
    }),
    forId(superuser),
    forId(async function patchUser(c) {
      const manager = tessera.getUserManager(c);
      const user = await findUser(c, manager);
      return user ? update(c, manager, user, false) : detail(c, 404, "Not Found");
    }),
  );

  // `/me` has no DELETE: it is served by `/{id}` (so a superuser gets 404), as in FastAPI.
  app.delete("/:id", superuser, async function deleteUser(c) {
    const manager = tessera.getUserManager(c);
    const user = await findUser(c, manager);
    if (!user) return detail(c, 404, "Not Found");
    await manager.delete(user, { request: c.req.raw });
    return noContent();
  });

  const meNotAllowed = methodNotAllowed(["GET", "PATCH"]);
  const idNotAllowed = methodNotAllowed(["GET", "PATCH", "DELETE"]);
  app.all("/:id", function notAllowed(c) {
    return c.req.param("id") === "me" ? meNotAllowed(c) : idNotAllowed(c);
  });

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

/** A handler that runs only when the `:id` parameter passes `test`; other requests go on to the next one. */
function onlyIf<E extends Env>(test: (id: string) => boolean) {
  return (handler: MiddlewareHandler<E>): MiddlewareHandler<E> =>
    async function onlyIf(c, next) {
      if (test(c.req.param("id") ?? "")) return handler(c, next);
      await next();
    };
}

/** The user named by the `:id` parameter, or `null` if the id is malformed or unknown. */
async function findUser<U extends User<ID>, ID>(
  c: Context,
  manager: UserManager<U, ID>,
): Promise<U | null> {
  const id = manager.parseId(c.req.param("id") ?? "");
  return id === null ? null : manager.userDb.get(id);
}
