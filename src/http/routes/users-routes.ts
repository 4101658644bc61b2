import {
  ErrorCode,
  InvalidPasswordException,
  StaleUser,
  UserAlreadyExists,
} from "../../core/errors.js";
import { detail, NOT_FOUND, noContent, privateJson } from "../../core/http-result.js";
import type { User, UserUpdate } from "../../core/models.js";
import type { OAuthAccountDatabase } from "../../oauth/oauth-account.js";
import type { CurrentUserOptions, Tessera } from "../../tessera.js";
import type { ExtraFieldsOf } from "../../users/user-fields.js";
import { eventSource } from "../event-source.js";
import { readBody } from "../read-body.js";
import { type Authenticated, requireUser, requireUserNow } from "../require-user.js";
import type {
  DocumentedBackend,
  JsonSchema,
  ResponseDoc,
  Route,
  RouteCall,
  RouteDoc,
  RouteGroup,
} from "../route.js";
import { userUpdateSpec } from "../schemas.js";
import { userFieldSpecs, userFieldValues } from "../user-field-specs.js";
import { type UserRoutesOptions, type UserSerializer, userReader } from "../user-read.js";
import type { BodyOf } from "../validation.js";
import { oauthAccountRoutes } from "./oauth-account-routes.js";
import {
  fails,
  ID_PARAMETER,
  ok,
  REASON,
  revocationNote,
  USER,
  userSchemas,
} from "./route-docs.js";
import { sessionRoutes } from "./session-routes.js";

export interface UsersRoutesOptions<U, ID = unknown, Ctx = unknown> extends UserRoutesOptions<U> {
  /**
   * Serve `GET /me/oauth-accounts` and `DELETE /me/oauth-accounts/{oauth_name}`
   * over this store (the adapter's `oauthAccounts`, or one per request).
   * @default not served
   */
  oauthAccounts?: OAuthAccountDatabase<ID> | ((ctx: Ctx) => OAuthAccountDatabase<ID>);
  /** Require a verified user on every route. @default false */
  requiresVerification?: boolean;
  /**
   * Serve the sessions routes: `GET`/`DELETE /me/sessions`,
   * `DELETE /me/sessions/{session_id}`, and under `/{id}` for superusers.
   * They need every backend's strategy to keep sessions (a JWT keeps none):
   * `true` with one that does not throws.
   * @default true when every backend's strategy keeps sessions, else false
   */
  sessions?: boolean;
}

function notFresh(requiresVerification: boolean): ResponseDoc {
  return fails(
    "A new password or email from a session that is not fresh, without current_password",
    ...(requiresVerification ? ["Forbidden"] : []),
    ErrorCode.SESSION_NOT_FRESH,
  );
}

/** `PATCH /users/me`'s proof of identity when the session is not fresh. */
const CURRENT_PASSWORD_SPEC = {
  current_password: {
    type: "string",
    description:
      "Your password: needed to change the password or email when the session is not fresh",
  },
} as const;

/** Tries of a `PATCH` whose user keeps changing under it before it answers 409. */
const PATCH_ATTEMPTS = 3;

/**
 * `GET`/`PATCH /me` for any active user; `GET`/`PATCH`/`DELETE /{id}` for
 * superusers (FastAPI Users' `get_users_router`). On `/{id}` the checks run
 * 401 → 403 → 404 → 422, so a normal user learns nothing about other ids.
 *
 * @example
 * const routes = usersRoutes(tessera); // mounted at /users
 */
export function usersRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  options: UsersRoutesOptions<U, ID, Ctx> = {},
): RouteGroup<Ctx> {
  const { maxBodySize, requiresVerification = false } = options;
  const { userFields } = tessera;
  const serializeUser = options.serializeUser ?? (userReader(userFields) as UserSerializer<U>);
  const me: CurrentUserOptions<U, ID, Ctx> = { active: true, verified: requiresVerification };
  const superuser: CurrentUserOptions<U, ID, Ctx> = { ...me, superuser: true };
  const spec: typeof userUpdateSpec = {
    ...userUpdateSpec,
    ...userFieldSpecs(userFields, "update"),
    ...(tessera.freshSessionSeconds === null ? {} : CURRENT_PASSWORD_SPEC),
  };
  const body = { type: "json", name: "UserUpdate", spec } as const;
  const docs = usersDocs(
    tessera.backends,
    requiresVerification,
    userSchemas(userFields),
    tessera.freshSessionSeconds !== null,
  );

  /** The user named by `{id}`, or `null` if the id is malformed or unknown. */
  function findUser(call: RouteCall<Ctx>): Promise<U | null> {
    const manager = tessera.getUserManager(call.ctx);
    const id = manager.parseId(call.params.id ?? "");
    return id === null ? Promise.resolve(null) : manager.userDb.get(id);
  }

  /**
   * A user changed by someone else meanwhile is read again, and the requester
   * authenticated again: a session that change ended must not slip its own
   * change in after it.
   */
  async function patch(call: RouteCall<Ctx>, self: boolean) {
    let change: Promise<BodyOf<typeof userUpdateSpec>> | undefined;
    for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
      const requester = await requireUser(tessera, call, self ? me : superuser);
      const user = self ? requester.user : await findUser(call);
      if (!user) return NOT_FOUND;
      change ??= readBody(call.request, body, maxBodySize);
      try {
        return await update(call, user, requester, self, await change);
      } catch (error) {
        if (!(error instanceof StaleUser)) throw error;
      }
    }
    return detail(409, ErrorCode.UPDATE_USER_CONFLICT);
  }

  async function update(
    call: RouteCall<Ctx>,
    user: U,
    requester: Authenticated<U, ID, Ctx>,
    safe: boolean,
    change: BodyOf<typeof userUpdateSpec>,
  ) {
    const { email, password, is_active, is_superuser, is_verified } = change;
    const manager = tessera.getUserManager(call.ctx);
    if (safe && (email != null || password != null)) {
      const refusal = await freshOrPassword(call, requester, change);
      if (refusal) return refusal;
    }
    // The requester keeps their own session when the user changed is themself.
    const keep = requester.user.id === user.id ? requester.token : undefined;
    try {
      const securityStamp =
        keep === undefined ? undefined : await tessera.nextSecurityStamp(call.ctx, user, keep);
      const updated = await manager.update(
        {
          ...userFieldValues(userFields, change),
          email,
          password,
          isActive: is_active,
          isSuperuser: is_superuser,
          isVerified: is_verified,
        } as UserUpdate & Partial<ExtraFieldsOf<U>>,
        user,
        { safe, request: call.request, securityStamp },
      );
      await tessera.credentialsChanged(call.ctx, user, updated, {
        keep,
        source: eventSource(tessera, call.request),
      });
      return privateJson(200, serializeUser(updated));
    } catch (error) {
      if (error instanceof InvalidPasswordException) {
        return detail(400, { code: ErrorCode.UPDATE_USER_INVALID_PASSWORD, reason: error.reason });
      }
      if (error instanceof UserAlreadyExists) {
        return detail(400, ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS);
      }
      throw error;
    }
  }

  /**
   * A change of one's own password or email with fresh sessions on: the
   * session logged in recently, or `current_password` is right.
   */
  async function freshOrPassword(
    call: RouteCall<Ctx>,
    requester: Authenticated<U, ID, Ctx>,
    change: BodyOf<typeof userUpdateSpec>,
  ) {
    if (await tessera.isFreshSession(call.ctx, requester)) return null;
    const current = (change as { current_password?: string | null }).current_password;
    if (current == null) return detail(403, ErrorCode.SESSION_NOT_FRESH);
    const manager = tessera.getUserManager(call.ctx);
    const checked = await manager.authenticate({ email: requester.user.email, password: current });
    return checked?.id === requester.user.id
      ? null
      : detail(400, ErrorCode.UPDATE_USER_BAD_CURRENT_PASSWORD);
  }

  const routes: Route<Ctx, typeof userUpdateSpec>[] = [
    {
      method: "GET",
      path: "/me",
      doc: docs.getMe,
      async handle(call) {
        const { user } = await requireUser(tessera, call, me);
        return privateJson(200, serializeUser(user));
      },
      // The hot path: on SQLite it answers without a promise.
      handleNow(call) {
        const found = requireUserNow(tessera, call, me);
        return found && privateJson(200, serializeUser(found.user));
      },
    },
    {
      method: "PATCH",
      path: "/me",
      body,
      maxBodySize,
      doc: docs.patchMe,
      handle: (call) => patch(call, true),
    },
    {
      method: "GET",
      path: "/{id}",
      doc: docs.getUser,
      async handle(call) {
        await requireUser(tessera, call, superuser);
        const user = await findUser(call);
        return user ? privateJson(200, serializeUser(user)) : NOT_FOUND;
      },
    },
    {
      method: "PATCH",
      path: "/{id}",
      body,
      maxBodySize,
      doc: docs.patchUser,
      handle: (call) => patch(call, false),
    },
    {
      // `/me` has no DELETE: it is served here (so a superuser gets 404), as in FastAPI.
      method: "DELETE",
      path: "/{id}",
      doc: docs.deleteUser,
      async handle(call) {
        await requireUser(tessera, call, superuser);
        const user = await findUser(call);
        if (!user) return NOT_FOUND;
        await tessera.getUserManager(call.ctx).delete(user, { request: call.request });
        return noContent();
      },
    },
  ];
  const sessions = options.sessions ?? tessera.backends.every((backend) => backend.keepsSessions);
  const stateless = tessera.backends.find((backend) => !backend.keepsSessions);
  if (sessions && stateless) {
    throw new TypeError(
      `usersRoutes({ sessions: true }): backend "${stateless.name}" keeps no sessions to list or end (a JWT strategy): leave sessions unset, or give every backend a strategy that keeps sessions`,
    );
  }
  const linked = options.oauthAccounts
    ? oauthAccountRoutes(tessera, options.oauthAccounts, me)
    : [];
  const all: Route<Ctx>[] = [...routes, ...linked];
  return sessions ? [...all, ...sessionRoutes(tessera, { me, superuser, findUser })] : all;
}

function usersDocs(
  security: readonly DocumentedBackend[],
  requiresVerification: boolean,
  schemas: Record<string, JsonSchema>,
  fresh: boolean,
): Record<"getMe" | "patchMe" | "getUser" | "patchUser" | "deleteUser", RouteDoc> {
  const notVerified: Record<number, ResponseDoc> = requiresVerification
    ? { 403: fails("The user is not verified", "Forbidden") }
    : {};
  const forbidden = fails("Not a superuser", "Forbidden");
  const missing = fails("No user has this id (or it is malformed)", "Not Found");
  const updateErrors = fails(
    "The email is taken (any case), or the password is refused",
    ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS,
    { code: ErrorCode.UPDATE_USER_INVALID_PASSWORD, reason: REASON },
  );
  const conflict = fails(
    "The user kept changing under the request (three tries): send it again",
    ErrorCode.UPDATE_USER_CONFLICT,
  );
  const base = { tags: ["users"], security, schemas } as const;
  return {
    getMe: {
      ...base,
      operationId: "users:current_user",
      summary: "The current user",
      responses: { 200: ok("The current user", USER), ...notVerified },
    },
    patchMe: {
      ...base,
      operationId: "users:patch_current_user",
      summary: "Update the current user",
      description: `Changes the email (which unverifies the user), the password, or the app's own fields users may write; \`is_active\`, \`is_superuser\`, \`is_verified\` and fields only superusers write are ignored. ${revocationNote("every other access token of the user: the token making this request keeps working", "A new password or email")}`,
      responses: {
        200: ok("The updated user", USER),
        400: fresh
          ? fails(
              "The email is taken, the password is refused, or current_password is wrong",
              ...(updateErrors.details ?? []),
              ErrorCode.UPDATE_USER_BAD_CURRENT_PASSWORD,
            )
          : updateErrors,
        409: conflict,
        ...(fresh ? { 403: notFresh(requiresVerification) } : notVerified),
      },
    },
    getUser: {
      ...base,
      operationId: "users:user",
      summary: "A user (superusers)",
      parameters: [ID_PARAMETER],
      responses: { 200: ok("The user", USER), 403: forbidden, 404: missing },
    },
    patchUser: {
      ...base,
      operationId: "users:patch_user",
      summary: "Update a user (superusers)",
      description: `Every field applies, flags included. ${revocationNote("every access token of that user (but the request's own, when superusers change themselves)", "A new password or email, or a deactivation,")}`,
      parameters: [ID_PARAMETER],
      responses: {
        200: ok("The updated user", USER),
        400: updateErrors,
        403: forbidden,
        404: missing,
        409: conflict,
      },
    },
    deleteUser: {
      ...base,
      operationId: "users:delete_user",
      summary: "Delete a user (superusers)",
      description: "The user's access tokens go with it.",
      parameters: [ID_PARAMETER],
      responses: { 204: { description: "Deleted" }, 403: forbidden, 404: missing },
    },
  };
}
