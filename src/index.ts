export { type Clock, systemClock } from "./core/clock.js";
export {
  DatabaseNotMigrated,
  DatabaseUnavailableError,
  ErrorCode,
  InvalidEmail,
  InvalidPasswordException,
  InvalidResetPasswordToken,
  InvalidVerifyToken,
  ServerBusy,
  SessionLimitReached,
  StaleUser,
  TesseraError,
  UserAlreadyExists,
  UserAlreadyVerified,
  UserInactive,
  UserNotExists,
} from "./core/errors.js";
export {
  type EventSource,
  type RevocationReason,
  type TesseraEventMap,
  type TesseraEventName,
  TesseraEvents,
} from "./core/events.js";
export type { HeaderReader, HttpRequest, RequestBody } from "./core/http-request.js";
export {
  detail,
  type HttpResult,
  json,
  NOT_FOUND,
  noContent,
  privateJson,
  statusDetail,
} from "./core/http-result.js";
export { newId, parseId } from "./core/ids.js";
export type {
  AccessToken,
  IdOf,
  IdType,
  RefreshToken,
  User,
  UserCreate,
  UserCreateData,
  UserUpdate,
  UserUpdateData,
} from "./core/models.js";
export { redactUrl } from "./core/redact-url.js";
export { SecretCipher, SecretDecryptionFailed } from "./core/secret-cipher.js";
export {
  RESET_PASSWORD_AUDIENCE,
  SignedTokens,
  type SignedTokensOptions,
  VERIFY_USER_AUDIENCE,
} from "./core/signed-tokens.js";
export { type Aal, assuranceLevel } from "./factors/assurance.js";
export {
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  newRecoveryCodes,
} from "./factors/recovery-codes.js";
export {
  hasSecondFactor,
  type Passkey,
  type PasskeyCreate,
  type SecondFactors,
  type TotpSecret,
} from "./factors/second-factor.js";
export {
  PasskeyAlreadyRegistered,
  type SecondFactorDatabase,
} from "./factors/second-factor-database.js";
export { checkTotpCode, newTotpSecret, otpauthUrl, type TotpCheck } from "./factors/totp.js";
export { totpSecretCipher } from "./factors/totp-secret-cipher.js";
export {
  type Mount,
  type OpenApiDocumentOptions,
  openApiDocument,
} from "./http/openapi/openapi-document.js";
export type { TrustedProxies } from "./http/rate-limit/client-address.js";
export {
  type DeviceCookieOptions,
  DeviceCookies,
  type KnownDevice,
} from "./http/rate-limit/device-cookies.js";
export {
  MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
} from "./http/rate-limit/memory-rate-limit-store.js";
export type { RateLimitHit, RateLimitStore } from "./http/rate-limit/rate-limit-store.js";
export {
  type ActionLimits,
  DEFAULT_RATE_LIMITS,
  type RateLimited,
  type RateLimitedAction,
  RateLimiter,
  type RateLimitOptions,
  type RateLimitRule,
  type RateLimitScope,
} from "./http/rate-limit/rate-limiter.js";
export { readBody } from "./http/read-body.js";
export type {
  BodyDeclaration,
  DocumentedBackend,
  ErrorDetail,
  HttpMethod,
  JsonSchema,
  ResponseDoc,
  Route,
  RouteCall,
  RouteDoc,
  RouteGroup,
} from "./http/route.js";
export { type ApiDocsRoutesOptions, apiDocsRoutes } from "./http/routes/api-docs-routes.js";
export { type AuthRoutesOptions, authRoutes } from "./http/routes/auth-routes.js";
export {
  type OAuthAssociateRoutesOptions,
  oauthAssociateRoutes,
} from "./http/routes/oauth-associate-routes.js";
export type { OAuthFlowOptions } from "./http/routes/oauth-flow.js";
export { type OAuthRoutesOptions, oauthRoutes } from "./http/routes/oauth-routes.js";
export { registerRoutes } from "./http/routes/register-routes.js";
export {
  type ResetPasswordRoutesOptions,
  resetPasswordRoutes,
} from "./http/routes/reset-password-routes.js";
export { type UsersRoutesOptions, usersRoutes } from "./http/routes/users-routes.js";
export { verifyRoutes } from "./http/routes/verify-routes.js";
export {
  type UserRoutesOptions,
  type UserSerializer,
  userRead,
  userReader,
} from "./http/user-read.js";
export type { BodyOf, BodySpec, FieldSpec, ValidationErrorItem } from "./http/validation.js";
export {
  type AccountEmailOptions,
  accountEmailHooks,
  resetPasswordEmail,
  verifyEmail,
} from "./mail/account-emails.js";
export { ConsoleMailer, type ConsoleMailerOptions } from "./mail/console-mailer.js";
export type { Mailer, MailMessage } from "./mail/mailer.js";
export {
  type OAuthAccount,
  OAuthAccountAlreadyLinked,
  type OAuthAccountCreate,
  type OAuthAccountDatabase,
  type OAuthAccountUpdate,
  type OAuthUnlinkOutcome,
} from "./oauth/oauth-account.js";
export type {
  AuthorizationRequest,
  AuthorizationResponse,
  OAuthProvider,
  ProviderIdentity,
  ProviderTokens,
} from "./oauth/provider.js";
export {
  ProviderRefused,
  ProviderUnavailable,
  UnverifiedProviderEmail,
} from "./oauth/provider-errors.js";
export { TokenCipher, TokenDecryptionFailed } from "./oauth/token-cipher.js";
export type {
  AccessTokenDatabase,
  DeleteExpiredOptions,
  SessionBounds,
  SessionRecord,
  TokenBounds,
  TokenSession,
} from "./sessions/access-token-database.js";
export type { Invalidation } from "./sessions/cache/invalidation.js";
export type { ChannelReceiver, RevocationChannel } from "./sessions/cache/revocation-channel.js";
export {
  type CacheableStores,
  type CachedStores,
  type CacheState,
  type CacheStatus,
  SessionCache,
  type SessionCacheOptions,
} from "./sessions/cache/session-cache.js";
export {
  type Purgeable,
  type PurgeSchedule,
  type PurgeScheduleOptions,
  schedulePurge,
} from "./sessions/purge-schedule.js";
export {
  type RefreshTokenDatabase,
  type RotationResult,
  type SessionRecordRow,
  SUPERSEDED_STAMP,
} from "./sessions/refresh-token-database.js";
export type {
  RefreshOutcome,
  RefreshTokenOptions,
  TokenPair,
} from "./sessions/refresh-tokens.js";
export {
  decodeAmr,
  encodeAmr,
  isSessionId,
  type Session,
  type SessionInfo,
  sessionId,
} from "./sessions/session.js";
export { TokenFormat } from "./sessions/token-format.js";
export {
  constantTimeEqual,
  generateToken,
  hashToken,
  isWellFormedToken,
  type TokenStorage,
} from "./sessions/tokens.js";
export {
  AuthenticationBackend,
  type AuthenticationBackendOptions,
} from "./strategies/authentication-backend.js";
export {
  DatabaseStrategy,
  type DatabaseStrategyOptions,
  type PurgeOptions,
} from "./strategies/database-strategy.js";
export {
  JWT_AUTH_AUDIENCE,
  JWT_CARRIED_CHANGES,
  type JwtAlgorithm,
  JwtStrategy,
  type JwtStrategyOptions,
} from "./strategies/jwt-strategy.js";
export { keepsSessions, type RevokeOptions, type Strategy } from "./strategies/strategy.js";
export {
  type Authentication,
  type AuthenticationRefusal,
  type CurrentUserOptions,
  type ListedSession,
  type RevocationCause,
  Tessera,
  type TesseraOptions,
} from "./tessera.js";
export { BearerTransport, type BearerTransportOptions } from "./transports/bearer-transport.js";
export {
  CookieTransport,
  type CookieTransportOptions,
  readCookie,
} from "./transports/cookie-transport.js";
export {
  type CsrfRefusal,
  checkRequestOrigin,
  type RequestInfo,
} from "./transports/request-origin.js";
export type { RefreshGrant, Transport } from "./transports/transport.js";
export { AccountTokens, type AccountTokensOptions } from "./users/account-tokens.js";
export { emailCollationKey, isVisibleEmail, normalizeEmail } from "./users/email.js";
export {
  type Argon2Options,
  type HashOptions,
  PasswordHelper,
  type PasswordHelperOptions,
  type VerifyResult,
} from "./users/password-helper.js";
export {
  defaultPasswordPolicy,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from "./users/password-policy.js";
export type { UserDatabase } from "./users/user-database.js";
export {
  defineUserFields,
  type ExtraFieldsOf,
  type ResolvedUserField,
  type UserField,
  type UserFields,
  type UserFieldType,
  type UserFieldValue,
  type UserFieldValues,
  type UserFieldWriter,
  type UserWithFields,
} from "./users/user-fields.js";
export {
  type AuthenticateOptions,
  type LookupOptions,
  type PasswordValidator,
  UserManager,
  type UserManagerHooks,
  type UserManagerOptions,
  type WriteOptions,
} from "./users/user-manager.js";
