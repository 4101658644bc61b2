import type { AccessToken, RefreshToken } from "../../core/models.js";
import type { Passkey, PasskeyCreate, TotpSecret } from "../../factors/second-factor.js";
import type {
  OAuthAccount,
  OAuthAccountCreate,
  OAuthAccountUpdate,
} from "../../oauth/oauth-account.js";
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

export function rowToOAuthAccount<ID>(row: Record<string, unknown>): OAuthAccount<ID> {
  return {
    id: String(row.id),
    oauthName: row.oauth_name as string,
    accessToken: row.access_token as string,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    refreshToken: (row.refresh_token as string | null) ?? null,
    accountId: row.account_id as string,
    accountEmail: row.account_email as string,
    userId: row.user_id as ID,
  };
}

/** The columns of a linked account's row. */
export function oauthAccountToRow<ID>(id: string, data: OAuthAccountCreate<ID>) {
  return {
    id,
    oauth_name: data.oauthName,
    access_token: data.accessToken,
    expires_at: data.expiresAt,
    refresh_token: data.refreshToken,
    account_id: data.accountId,
    account_email: data.accountEmail,
    user_id: data.userId,
  };
}

/** The columns a sign-in changes: only those given. */
export function oauthAccountChange(data: OAuthAccountUpdate): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  if (data.accessToken !== undefined) change.access_token = data.accessToken;
  if (data.expiresAt !== undefined) change.expires_at = data.expiresAt;
  if (data.refreshToken !== undefined) change.refresh_token = data.refreshToken;
  if (data.accountEmail !== undefined) change.account_email = data.accountEmail;
  return change;
}

/** The account as an update leaves it (a field given as `undefined` is left as it was). */
export function updatedOAuthAccount<ID>(
  account: OAuthAccount<ID>,
  data: OAuthAccountUpdate,
): OAuthAccount<ID> {
  const defined = Object.entries(data).filter(([, value]) => value !== undefined);
  return { ...account, ...Object.fromEntries(defined) };
}

function optionalDate(value: unknown, engine: Engine): Date | null {
  return value === null || value === undefined ? null : engine.decodeDate(value);
}

export function rowToTotpSecret<ID>(row: Record<string, unknown>, engine: Engine): TotpSecret<ID> {
  return {
    userId: row.user_id as ID,
    secret: row.secret as string,
    confirmedAt: optionalDate(row.confirmed_at, engine),
    lastUsedStep:
      row.last_used_step === null || row.last_used_step === undefined
        ? null
        : Number(row.last_used_step),
    createdAt: engine.decodeDate(row.created_at),
  };
}

export function rowToPasskey<ID>(row: Record<string, unknown>, engine: Engine): Passkey<ID> {
  const transports = row.transports as string;
  return {
    id: row.id as string,
    userId: row.user_id as ID,
    publicKey: row.public_key as string,
    counter: Number(row.counter),
    transports: transports === "" ? [] : transports.split(","),
    name: row.name as string,
    createdAt: engine.decodeDate(row.created_at),
    lastUsedAt: optionalDate(row.last_used_at, engine),
    backedUp: Boolean(row.backed_up),
    deviceType: row.device_type as string,
  };
}

/** The columns of a new passkey's row (transports comma-separated: none holds a comma). */
export function passkeyToRow<ID>(data: PasskeyCreate<ID>, engine: Engine) {
  if (data.transports.some((transport) => transport === "" || transport.includes(","))) {
    throw new TypeError("a passkey's transports are names without commas");
  }
  return {
    id: data.id,
    user_id: data.userId,
    public_key: data.publicKey,
    counter: data.counter,
    transports: data.transports.join(","),
    name: data.name,
    created_at: engine.encodeDate(data.createdAt),
    last_used_at: null,
    backed_up: engine.encodeBoolean(data.backedUp),
    device_type: data.deviceType,
  };
}
