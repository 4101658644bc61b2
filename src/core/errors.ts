/**
 * The `detail` codes of the HTTP contract, shared by every router so every
 * integration answers with the same JSON (FastAPI Users' `ErrorCode`).
 */
export const ErrorCode = {
  REGISTER_INVALID_PASSWORD: "REGISTER_INVALID_PASSWORD",
  REGISTER_USER_ALREADY_EXISTS: "REGISTER_USER_ALREADY_EXISTS",
  LOGIN_BAD_CREDENTIALS: "LOGIN_BAD_CREDENTIALS",
  LOGIN_USER_NOT_VERIFIED: "LOGIN_USER_NOT_VERIFIED",
  RESET_PASSWORD_BAD_TOKEN: "RESET_PASSWORD_BAD_TOKEN",
  RESET_PASSWORD_INVALID_PASSWORD: "RESET_PASSWORD_INVALID_PASSWORD",
  VERIFY_USER_BAD_TOKEN: "VERIFY_USER_BAD_TOKEN",
  VERIFY_USER_ALREADY_VERIFIED: "VERIFY_USER_ALREADY_VERIFIED",
  UPDATE_USER_EMAIL_ALREADY_EXISTS: "UPDATE_USER_EMAIL_ALREADY_EXISTS",
  UPDATE_USER_INVALID_PASSWORD: "UPDATE_USER_INVALID_PASSWORD",
  /** tessera only: the user kept changing under a `PATCH` (three tries); send it again. */
  UPDATE_USER_CONFLICT: "UPDATE_USER_CONFLICT",
  /** tessera only: the operation needs a recent login (`freshSessionSeconds`) or the current password. */
  SESSION_NOT_FRESH: "SESSION_NOT_FRESH",
  /** tessera only: `current_password` is not the user's password. */
  UPDATE_USER_BAD_CURRENT_PASSWORD: "UPDATE_USER_BAD_CURRENT_PASSWORD",
  /** tessera only: the user has `maxSessionsPerUser` sessions and the cap's policy is `refuse`. */
  LOGIN_TOO_MANY_SESSIONS: "LOGIN_TOO_MANY_SESSIONS",
  /** tessera only: the refresh token is malformed, unknown, expired, or its user changed credentials. */
  REFRESH_TOKEN_INVALID: "REFRESH_TOKEN_INVALID",
  /** tessera only: the refresh token was used before; its whole session is now revoked. */
  REFRESH_TOKEN_REUSED: "REFRESH_TOKEN_REUSED",
  /** tessera only: a cookie-authenticated unsafe request from an untrusted `Origin`. */
  CSRF_ORIGIN_NOT_TRUSTED: "CSRF_ORIGIN_NOT_TRUSTED",
  /** tessera only: a cookie-authenticated unsafe request marked cross-site by `Sec-Fetch-Site`. */
  CSRF_CROSS_SITE_REQUEST: "CSRF_CROSS_SITE_REQUEST",
  /** FastAPI Users (OAuth): the state is missing, forged, expired, used, or from another browser. */
  OAUTH_INVALID_STATE: "OAUTH_INVALID_STATE",
  /** FastAPI Users (OAuth): the provider gave no email. */
  OAUTH_NOT_AVAILABLE_EMAIL: "OAUTH_NOT_AVAILABLE_EMAIL",
  /** FastAPI Users (OAuth): a user has the email, and the provider account may not be linked to it. */
  OAUTH_USER_ALREADY_EXISTS: "OAUTH_USER_ALREADY_EXISTS",
  /** tessera only: the provider does not say it verified the email, and no user is created from it. */
  OAUTH_EMAIL_NOT_VERIFIED: "OAUTH_EMAIL_NOT_VERIFIED",
  /** tessera only: the provider refused the code (used before, expired, or not this browser's). */
  OAUTH_INVALID_CODE: "OAUTH_INVALID_CODE",
  /** tessera only: the provider's ID token failed validation (signature, issuer, audience, nonce, expiry). */
  OAUTH_INVALID_ID_TOKEN: "OAUTH_INVALID_ID_TOKEN",
  /** tessera only: the provider sent the browser back with an error, or answered outside the protocol. */
  OAUTH_PROVIDER_ERROR: "OAUTH_PROVIDER_ERROR",
  /** tessera only: the provider could not be reached in time (503). */
  OAUTH_PROVIDER_UNAVAILABLE: "OAUTH_PROVIDER_UNAVAILABLE",
  /** tessera only: the provider account is linked to another user. */
  OAUTH_ACCOUNT_ALREADY_LINKED: "OAUTH_ACCOUNT_ALREADY_LINKED",
  /** tessera only: unlinking it would leave the user no way to sign in (no password, no other provider). */
  OAUTH_LAST_SIGN_IN_METHOD: "OAUTH_LAST_SIGN_IN_METHOD",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error tessera throws on purpose. */
export class TesseraError extends Error {
  override name = "TesseraError";
}

/** A user with this email (compared case-insensitively) already exists. */
export class UserAlreadyExists extends TesseraError {
  override name = "UserAlreadyExists";
  constructor() {
    super("A user with this email already exists");
  }
}

/** The email given is not a valid address. */
export class InvalidEmail extends TesseraError {
  override name = "InvalidEmail";
  constructor() {
    super("Invalid email address");
  }
}

/** No user has this id or email. */
export class UserNotExists extends TesseraError {
  override name = "UserNotExists";
  constructor() {
    super("User does not exist");
  }
}

/** The user has as many sessions as the cap allows, and the cap refuses new ones. */
export class SessionLimitReached extends TesseraError {
  override name = "SessionLimitReached";
  constructor() {
    super("The user has the most sessions allowed");
  }
}

/** The user is inactive. */
export class UserInactive extends TesseraError {
  override name = "UserInactive";
  constructor() {
    super("User is inactive");
  }
}

/** The user is already verified. */
export class UserAlreadyVerified extends TesseraError {
  override name = "UserAlreadyVerified";
  constructor() {
    super("User is already verified");
  }
}

/** The verification token is malformed, forged, expired or stale. */
export class InvalidVerifyToken extends TesseraError {
  override name = "InvalidVerifyToken";
  constructor() {
    super("Invalid verification token");
  }
}

/** The reset-password token is malformed, forged, expired or already used. */
export class InvalidResetPasswordToken extends TesseraError {
  override name = "InvalidResetPasswordToken";
  constructor() {
    super("Invalid reset password token");
  }
}

/**
 * The password was refused by the manager's `validatePassword` hook. `reason`
 * is shown to the client as is, so it must never contain a secret.
 */
export class InvalidPasswordException extends TesseraError {
  override name = "InvalidPasswordException";
  constructor(readonly reason: string) {
    super(`Invalid password: ${reason}`);
  }
}

/**
 * The user changed (or was deleted) between the read a write was based on and
 * the write: nothing was written. Read the user again and decide again.
 */
export class StaleUser extends TesseraError {
  override name = "StaleUser";
  constructor() {
    super("The user changed since it was read");
  }
}

/**
 * The server has more of some costly work queued (password hashing) than it
 * accepts: the request was refused before doing anything. The HTTP layer
 * answers 503 with `Retry-After`.
 */
export class ServerBusy extends TesseraError {
  override name = "ServerBusy";
  constructor() {
    super("The server is busy");
  }
}

/** How a SQL database gets tessera's tables: the CLI, or the function the app can call. */
export const MIGRATE_SQL = "run `npx tessera-auth migrate` (or call migrateToLatest(db))";

/**
 * The database lacks tables, columns or indexes that tessera's queries need:
 * its migrations did not run. Thrown by the adapters' `assertReady()` at
 * startup, and by their queries when it was not called (the HTTP layer then
 * answers 500 and logs this one line). The message says what is missing and
 * how to fix it; it never holds a query's parameters.
 */
export class DatabaseNotMigrated extends TesseraError {
  override name = "DatabaseNotMigrated";
  constructor(missing: string, fix: string = MIGRATE_SQL, options?: { cause?: unknown }) {
    super(`the database is not migrated: ${missing}; ${fix}`, options);
  }
}

/**
 * The database could not be reached or dropped the connection. The HTTP layer
 * answers 503; the adapter reconnects on its own when the database returns.
 */
export class DatabaseUnavailableError extends TesseraError {
  override name = "DatabaseUnavailableError";
  constructor(options?: { cause?: unknown }) {
    super("The database is unavailable", options);
  }
}
