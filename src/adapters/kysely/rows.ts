import type { AccessToken, RefreshToken } from "../../core/models.js";
import { decodeAmr, encodeAmr } from "../../sessions/session.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import { UserRows } from "../../users/user-rows.js";
import type { Engine } from "./engine.js";

export type { UserRow } from "../../users/user-rows.js";

/** The token's columns the session lookup adds to a user row, under names no user column has. */
export const SESSION_COLUMNS = {
  stale: "tessera_session_stale",
  createdAt: "tessera_session_created_at",
  lastUsedAt: "tessera_session_last_used_at",
  family: "tessera_session_family",
} as const;

/** Maps an engine's user rows (the session lookups' extra columns are no user field). */
export function sqlUserRows(fields: readonly ResolvedUserField[], engine: Engine): UserRows {
  return new UserRows(
    fields,
    (value) => engine.encodeBoolean(value),
    Object.values(SESSION_COLUMNS),
  );
}

export function rowToAccessToken<ID>(
  row: Record<string, unknown>,
  engine: Engine,
): AccessToken<ID> {
  return {
    token: row.token as string,
    userId: row.user_id as ID,
    createdAt: engine.decodeDate(row.created_at),
    securityStamp: Number(row.security_stamp),
    ip: (row.ip as string | null | undefined) ?? null,
    userAgent: (row.user_agent as string | null | undefined) ?? null,
    label: (row.label as string | null | undefined) ?? null,
    amr: decodeAmr(row.amr as string | null | undefined),
    lastUsedAt:
      row.last_used_at === null || row.last_used_at === undefined
        ? null
        : engine.decodeDate(row.last_used_at),
    family: (row.family as string | null | undefined) ?? null,
  };
}

/** A refresh token row, with the `amr` of its session record (joined; see `RefreshToken.amr`). */
export function rowToRefreshToken<ID>(
  row: Record<string, unknown>,
  engine: Engine,
): RefreshToken<ID> {
  return {
    token: row.token as string,
    family: row.family as string,
    userId: row.user_id as ID,
    securityStamp: Number(row.security_stamp),
    createdAt: engine.decodeDate(row.created_at),
    usedAt: row.used_at === null ? null : engine.decodeDate(row.used_at),
    sessionCreatedAt: engine.decodeDate(row.session_created_at),
    ip: (row.ip as string | null) ?? null,
    userAgent: (row.user_agent as string | null) ?? null,
    label: (row.label as string | null) ?? null,
    amr: decodeAmr(row.amr as string | null | undefined),
  };
}

/** The columns of an access token row. */
export function accessTokenToRow<ID>(data: AccessToken<ID>, engine: Engine) {
  return {
    token: data.token,
    user_id: data.userId,
    created_at: engine.encodeDate(data.createdAt),
    security_stamp: data.securityStamp,
    ip: data.ip ?? null,
    user_agent: data.userAgent ?? null,
    label: data.label ?? null,
    amr: encodeAmr(data.amr),
    last_used_at: data.lastUsedAt ? engine.encodeDate(data.lastUsedAt) : null,
    family: data.family ?? null,
  };
}

/** The columns of a refresh token row. */
export function refreshTokenToRow<ID>(data: RefreshToken<ID>, engine: Engine) {
  return {
    token: data.token,
    family: data.family,
    user_id: data.userId,
    security_stamp: data.securityStamp,
    created_at: engine.encodeDate(data.createdAt),
    used_at: data.usedAt && engine.encodeDate(data.usedAt),
    session_created_at: engine.encodeDate(data.sessionCreatedAt),
    ip: data.ip,
    user_agent: data.userAgent,
    label: data.label,
  };
}
