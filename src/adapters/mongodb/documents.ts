import type { Document } from "mongodb";
import type { AccessToken, RefreshToken, User } from "../../core/models.js";
import { decodeAmr, encodeAmr } from "../../sessions/session.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import { UserRows } from "../../users/user-rows.js";
import type { IdCodec } from "./ids.js";

/**
 * Maps user documents to users: the fields are the SQL adapters' columns
 * (`hashed_password`, `is_active`…), `_id` is the id and `email_key` (the
 * unique lower-case email) stays inside.
 */
export class UserDocuments {
  readonly #rows: UserRows;

  constructor(
    fields: readonly ResolvedUserField[],
    private readonly ids: IdCodec,
  ) {
    this.#rows = new UserRows(fields, (value) => value, ["_id", "email_key"]);
  }

  get fields(): readonly ResolvedUserField[] {
    return this.#rows.fields;
  }

  toUser<U extends User<string>>(document: Document): U {
    return this.#rows.toUser<U, string>({ ...document, id: this.ids.fromStored(document._id) });
  }

  /** The fields to write for a (partial) user; throws a `TypeError` for an undeclared or ill-fitting custom value. */
  toFields(user: object): Record<string, unknown> {
    return this.#rows.toRow(user);
  }
}

/** An access token as stored: the token (its stored form) is the `_id`. */
export function accessTokenDocument(data: AccessToken<string>, userId: unknown): Document {
  return {
    _id: data.token,
    user_id: userId,
    created_at: data.createdAt,
    security_stamp: data.securityStamp,
    ip: data.ip ?? null,
    user_agent: data.userAgent ?? null,
    label: data.label ?? null,
    amr: encodeAmr(data.amr),
    last_used_at: data.lastUsedAt ?? null,
    family: data.family ?? null,
  };
}

export function documentToAccessToken(document: Document, ids: IdCodec): AccessToken<string> {
  return {
    token: document._id as string,
    userId: ids.fromStored(document.user_id),
    createdAt: document.created_at as Date,
    securityStamp: Number(document.security_stamp),
    ip: document.ip ?? null,
    userAgent: document.user_agent ?? null,
    label: document.label ?? null,
    amr: decodeAmr(document.amr),
    lastUsedAt: document.last_used_at ?? null,
    family: document.family ?? null,
  };
}

export function refreshTokenDocument(data: RefreshToken<string>, userId: unknown): Document {
  return {
    _id: data.token,
    family: data.family,
    user_id: userId,
    security_stamp: data.securityStamp,
    created_at: data.createdAt,
    used_at: data.usedAt,
    session_created_at: data.sessionCreatedAt,
    ip: data.ip,
    user_agent: data.userAgent,
    label: data.label,
  };
}

/** A refresh token, with `amr` as its session record holds it (`null` once the record is gone). */
export function documentToRefreshToken(
  document: Document,
  ids: IdCodec,
  amr: string | null | undefined,
): RefreshToken<string> {
  return {
    token: document._id as string,
    family: document.family as string,
    userId: ids.fromStored(document.user_id),
    securityStamp: Number(document.security_stamp),
    createdAt: document.created_at as Date,
    usedAt: document.used_at ?? null,
    sessionCreatedAt: document.session_created_at as Date,
    ip: document.ip ?? null,
    userAgent: document.user_agent ?? null,
    label: document.label ?? null,
    amr: decodeAmr(amr),
  };
}
