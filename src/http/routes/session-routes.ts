import { ErrorCode } from "../../core/errors.js";
import { detail, NOT_FOUND, noContent, privateJson } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { CurrentUserOptions, ListedSession, Tessera } from "../../tessera.js";
import { eventSource } from "../event-source.js";
import { requireUser } from "../require-user.js";
import type { DocumentedBackend, JsonSchema, Route, RouteCall, RouteDoc } from "../route.js";
import { fails, ID_PARAMETER } from "./route-docs.js";

/** Whose sessions a route is about: the requester's own (`/me`) or a user's by id (superusers). */
interface Owner<U> {
  user: U;
  /** The requester's token, when the sessions are their own. */
  token: string | null;
}

/**
 * The sessions routes of the users router: `GET`/`DELETE /me/sessions`,
 * `DELETE /me/sessions/{session_id}`, and the same under `/{id}` for
 * superusers. Another user's session id is a 404, as an unknown one.
 */
export function sessionRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  access: {
    me: CurrentUserOptions<U, ID, Ctx>;
    superuser: CurrentUserOptions<U, ID, Ctx>;
    findUser: (call: RouteCall<Ctx>) => Promise<U | null>;
  },
): Route<Ctx>[] {
  async function owner(call: RouteCall<Ctx>, self: boolean): Promise<Owner<U> | null> {
    if (self) {
      const { user, token } = await requireUser(tessera, call, access.me);
      return { user, token };
    }
    await requireUser(tessera, call, access.superuser);
    const user = await access.findUser(call);
    return user ? { user, token: null } : null;
  }

  const docs = sessionDocs(tessera.backends, tessera.freshSessionSeconds !== null);
  const routes: Route<Ctx>[] = [];
  for (const self of [true, false]) {
    const base = self ? "/me/sessions" : "/{id}/sessions";
    routes.push(
      {
        method: "GET",
        path: base,
        doc: self ? docs.listMine : docs.listUser,
        async handle(call) {
          const found = await owner(call, self);
          if (!found) return NOT_FOUND;
          const sessions = await tessera.listSessions(
            call.ctx,
            found.user,
            found.token ?? undefined,
          );
          return privateJson(200, sessions.map(sessionJson));
        },
      },
      {
        method: "DELETE",
        path: base,
        doc: self ? docs.revokeOthers : docs.revokeUser,
        async handle(call) {
          if (self) {
            const requester = await requireUser(tessera, call, access.me);
            if (!(await tessera.isFreshSession(call.ctx, requester))) {
              return detail(403, ErrorCode.SESSION_NOT_FRESH);
            }
          }
          const found = await owner(call, self);
          if (!found) return NOT_FOUND;
          // Your own: every other session. A user's (superusers): all of them.
          await tessera.revokeAllTokens(
            call.ctx,
            found.user,
            { keep: found.token ?? undefined },
            { reason: self ? "user" : "admin", source: eventSource(tessera, call.request) },
          );
          return noContent();
        },
      },
      {
        method: "DELETE",
        path: `${base}/{session_id}`,
        doc: self ? docs.revokeMine : docs.revokeOne,
        async handle(call) {
          const found = await owner(call, self);
          if (!found) return NOT_FOUND;
          const id = call.params.session_id ?? "";
          const cause = {
            reason: self ? "user" : "admin",
            source: eventSource(tessera, call.request),
          } as const;
          const ended = await tessera.revokeSession(call.ctx, found.user, id, cause);
          return ended ? noContent() : NOT_FOUND;
        },
      },
    );
  }
  return routes;
}

/** A session in JSON, snake_case as the contract's fields. */
export function sessionJson(session: ListedSession): Record<string, unknown> {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt?.toISOString() ?? null,
    expires_at: session.expiresAt?.toISOString() ?? null,
    ip: session.ip,
    user_agent: session.userAgent,
    label: session.label,
    amr: session.amr,
    current: session.current,
  };
}

const NULLABLE_STRING = { anyOf: [{ type: "string" }, { type: "null" }] };
const NULLABLE_TIME = { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] };
const STRING_LIST = { type: "array", items: { type: "string" } };

/** The `Session` schema of the OpenAPI document. */
export const SESSION_SCHEMA: JsonSchema = {
  title: "Session",
  type: "object",
  properties: {
    id: { type: "string", description: "Public: it lets nobody log in" },
    created_at: { type: "string", format: "date-time" },
    last_used_at: NULLABLE_TIME,
    expires_at: NULLABLE_TIME,
    ip: NULLABLE_STRING,
    user_agent: NULLABLE_STRING,
    label: NULLABLE_STRING,
    amr: {
      ...STRING_LIST,
      description:
        'How the session was proven (authentication methods: "password", "oauth:<provider>"…); empty for a session from before tessera recorded it',
    },
    current: { type: "boolean", description: "The session making this request" },
  },
  required: [
    "id",
    "created_at",
    "last_used_at",
    "expires_at",
    "ip",
    "user_agent",
    "label",
    "amr",
    "current",
  ],
};

const SESSION_ID_PARAMETER = {
  name: "session_id",
  description: "The session's id, from the list",
  schema: { type: "string" },
} as const;

function sessionDocs(
  security: readonly DocumentedBackend[],
  fresh: boolean,
): Record<
  "listMine" | "revokeOthers" | "revokeMine" | "listUser" | "revokeUser" | "revokeOne",
  RouteDoc
> {
  const list = {
    description: "Newest first",
    schema: { type: "array", items: { $ref: "#/components/schemas/Session" } },
  };
  const base = { tags: ["sessions"], security, schemas: { Session: SESSION_SCHEMA } } as const;
  const done = { description: "Done" };
  const forbidden = fails("Not a superuser", "Forbidden");
  const noUser = fails("No user has this id (or it is malformed)", "Not Found");
  const noSession = fails("The user has no session by this id (or no such user)", "Not Found");
  return {
    listMine: {
      ...base,
      operationId: "sessions:list_mine",
      summary: "My sessions",
      description: "The live sessions of the current user; `current` marks this one.",
      responses: { 200: list },
    },
    revokeOthers: {
      ...base,
      operationId: "sessions:revoke_others",
      summary: "End my other sessions",
      description: "Every session of the current user but this one.",
      responses: fresh
        ? {
            204: done,
            403: fails("The session is not fresh: log in again", ErrorCode.SESSION_NOT_FRESH),
          }
        : { 204: done },
    },
    revokeMine: {
      ...base,
      operationId: "sessions:revoke_mine",
      summary: "End one of my sessions",
      parameters: [SESSION_ID_PARAMETER],
      responses: { 204: done, 404: fails("You have no session by this id", "Not Found") },
    },
    listUser: {
      ...base,
      operationId: "sessions:list_user",
      summary: "A user's sessions (superusers)",
      parameters: [ID_PARAMETER],
      responses: { 200: list, 403: forbidden, 404: noUser },
    },
    revokeUser: {
      ...base,
      operationId: "sessions:revoke_user",
      summary: "End all of a user's sessions (superusers)",
      parameters: [ID_PARAMETER],
      responses: { 204: done, 403: forbidden, 404: noUser },
    },
    revokeOne: {
      ...base,
      operationId: "sessions:revoke_one",
      summary: "End one of a user's sessions (superusers)",
      parameters: [ID_PARAMETER, SESSION_ID_PARAMETER],
      responses: { 204: done, 403: forbidden, 404: noSession },
    },
  };
}
