/** The id types tessera knows how to parse from a URL and store. */
export type IdType = "uuid" | "integer" | "string";

/** The TypeScript type of an id of the given {@link IdType}. */
export type IdOf<T extends IdType> = T extends "integer" ? number : string;

/**
 * A user as the application sees it. `hashedPassword` never leaves the server:
 * the HTTP layer serialises users through an explicit list of public fields.
 *
 * Applications add their own fields by extending this interface.
 */
export interface User<ID = string> {
  id: ID;
  email: string;
  hashedPassword: string;
  isActive: boolean;
  isSuperuser: boolean;
  isVerified: boolean;
  /**
   * Raised by one on every change that must end the user's sessions (password,
   * email, deactivation). A token works only while it carries the stamp its
   * user has now, so a token issued by a login that read the user before such
   * a change is dead the moment the change commits. It also makes every user
   * write a compare-and-set (see {@link UserDatabase.update}).
   */
  securityStamp: number;
}

/**
 * An access token row. `token` is the *stored* form (SHA-256 of what the client
 * holds, unless the strategy runs in `plain` storage mode).
 */
export interface AccessToken<ID = string> {
  token: string;
  userId: ID;
  createdAt: Date;
  /** The user's {@link User.securityStamp} when the token was issued. */
  securityStamp: number;
  /** The client's address at login, when known. */
  ip?: string | null;
  /** The client's `User-Agent` at login (its first 512 characters), when sent. */
  userAgent?: string | null;
  /** A name given to the session. */
  label?: string | null;
  /**
   * How the session was proven (`["password"]`, `["oauth:google"]`…); empty
   * for a token issued before tessera recorded it. Stored space-separated
   * (`encodeAmr`, `decodeAmr`).
   */
  amr?: string[];
  /** When the session was last used, where recorded. */
  lastUsedAt?: Date | null;
  /**
   * The session this token belongs to when it has a refresh token (its
   * family's id, which is then the session's public id); `null` otherwise.
   */
  family?: string | null;
}

/**
 * A rotating refresh token row. `token` is the stored form (SHA-256). Every
 * refresh token of a session shares its `family`; each is used once, and one
 * used twice ends the family.
 */
export interface RefreshToken<ID = string> {
  token: string;
  family: string;
  userId: ID;
  /** The user's {@link User.securityStamp} when the family was last refreshed. */
  securityStamp: number;
  createdAt: Date;
  /** When it was exchanged for a new pair; `null` while unused. */
  usedAt: Date | null;
  /** When the session (the family's first login) started. */
  sessionCreatedAt: Date;
  ip: string | null;
  userAgent: string | null;
  label: string | null;
  /**
   * How the session was proven: its session record's (no column of the
   * refresh-token table), which `create` writes and `find` and `listByUser`
   * read; empty for a session from before tessera recorded it.
   */
  amr: string[];
}

/** What a user database needs to insert a user (the password is already hashed). */
export interface UserCreateData {
  email: string;
  hashedPassword: string;
  isActive: boolean;
  isSuperuser: boolean;
  isVerified: boolean;
}

/** A partial change to a stored user (the password, if any, is already hashed). */
export type UserUpdateData = Partial<UserCreateData> & {
  /** The new stamp: the read one plus one, when the change must end the user's sessions. */
  securityStamp?: number;
};

/** A registration or admin-create request, with the password in clear. */
export interface UserCreate {
  email: string;
  password: string;
  isActive?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
}

/** An update request, with the password in clear. `undefined` leaves a field as is. */
export interface UserUpdate {
  email?: string;
  password?: string;
  isActive?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
}
