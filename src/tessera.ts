import { type Clock, systemClock } from "./core/clock.js";
import { StaleUser } from "./core/errors.js";
import { type EventSource, type RevocationReason, TesseraEvents } from "./core/events.js";
import type { User } from "./core/models.js";
import { ClientAddressResolver, type TrustedProxies } from "./http/rate-limit/client-address.js";
import { DeviceCookies } from "./http/rate-limit/device-cookies.js";
import {
  type DEFAULT_RATE_LIMITS,
  RateLimiter,
  type RateLimitOptions,
} from "./http/rate-limit/rate-limiter.js";
import type { Session } from "./sessions/session.js";
import type { AuthenticationBackend } from "./strategies/authentication-backend.js";
import type { RevokeOptions, Strategy } from "./strategies/strategy.js";
import type { CsrfRefusal, RequestInfo } from "./transports/request-origin.js";
import { type ResolvedUserField, resolveUserFields, type UserFields } from "./users/user-fields.js";
import type { UserManager } from "./users/user-manager.js";

export interface TesseraOptions<U extends User<ID>, ID, Ctx> {
  /** Builds the user manager for one request (return a shared instance when nothing is request-scoped). */
  getUserManager: (ctx: Ctx) => UserManager<U, ID>;
  /** Tried in order on every protected route; the first that recognises the request wins. */
  backends: AuthenticationBackend<U, ID, Ctx>[];
  /**
   * Limits of login, register, forgot-password, request-verify-token,
   * reset-password and verify, per client address and per account (429 with
   * `Retry-After`). `false` turns every limit off.
   * @default on, {@link DEFAULT_RATE_LIMITS} in this process's memory
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Proxies in front of the app whose `X-Forwarded-For` tells the client's
   * address (addresses or CIDR networks written by their first address, as
   * `10.0.0.0/8`). Never trusted by default: the client is the socket's peer.
   * An entry that is not written exactly (`10.0.0.0/`, `/08`, `10.1.2.3/8`)
   * throws a `TypeError` here.
   * @default []
   */
  trustedProxies?: TrustedProxies;
  /**
   * The app's custom user fields (see `defineUserFields`): the routes accept,
   * validate and answer them. Give the user database the same declaration.
   * @default none
   */
  userFields?: UserFields;
  /**
   * Where lifecycle events go (login, revocations, credential changes…).
   * Give the strategies the same instance, so their events (cap, expiry,
   * refresh reuse) arrive there too.
   * @default a new, empty {@link TesseraEvents}
   */
  events?: TesseraEvents<ID>;
  /**
   * Fresh sessions: changing the password or the email through `PATCH
   * /users/me` needs a session that logged in within this many seconds, or
   * the current password in `current_password`; ending all other sessions
   * and `POST /logout-all` need a session that fresh. Otherwise 403
   * `SESSION_NOT_FRESH`. `null`: off, as FastAPI Users.
   * @default null
   */
  freshSessionSeconds?: number | null;
  /** @default () => new Date() */
  clock?: Clock;
}

/** Why and by whom sessions are being revoked, for the `session.revoked` event. */
export interface RevocationCause {
  reason: RevocationReason;
  source?: EventSource;
}

/** A session as listed: {@link Session}, and whether the request listing it belongs to it. */
export interface ListedSession extends Session {
  current: boolean;
}

/** What a protected route requires of its user. */
export interface CurrentUserOptions<U extends User<ID>, ID = U["id"], Ctx = unknown> {
  /** The user must be active. @default false */
  active?: boolean;
  /** The user must be verified. @default false */
  verified?: boolean;
  /** The user must be a superuser. @default false */
  superuser?: boolean;
  /** Let unauthenticated requests through with no user instead of answering 401. @default false */
  optional?: boolean;
  /** Which backends may authenticate the request. @default every backend */
  backends?: AuthenticationBackend<U, ID, Ctx>[];
}

/**
 * Why a request was refused: `Unauthorized` (401: no valid token, or an
 * inactive user where an active one is required), `Forbidden` (403: the user
 * lacks a required flag), or a CSRF refusal (403: the only credential was a
 * cookie sent on an unsafe request from an untrusted origin).
 */
export type AuthenticationRefusal = "Unauthorized" | "Forbidden" | CsrfRefusal;

/** The outcome of authenticating a request against a route's requirements. */
export type Authentication<U extends User<ID>, ID = U["id"], Ctx = unknown> =
  | {
      status: 200;
      user: U;
      /** The token as the client sent it. */
      token: string;
      backend: AuthenticationBackend<U, ID, Ctx>;
      refusal: null;
    }
  /** `optional` was set and the request carried no acceptable user. */
  | { status: 200; user: null; token: null; backend: null; refusal: null }
  | { status: 401 | 403; user: null; token: null; backend: null; refusal: AuthenticationRefusal };

/** Tries of a stamp raise whose user keeps changing under it. */
const STAMP_ATTEMPTS = 3;

const ANONYMOUS = { status: 200, user: null, token: null, backend: null, refusal: null } as const;
const refused = (status: 401 | 403, refusal: AuthenticationRefusal) =>
  ({ status, user: null, token: null, backend: null, refusal }) as const;
const UNAUTHORIZED = refused(401, "Unauthorized");
const FORBIDDEN = refused(403, "Forbidden");

/**
 * The facade: holds the user-manager factory and the authentication backends,
 * and decides who is calling. The routers and guards of `tessera-auth/hono` are built
 * from it (FastAPI Users' `FastAPIUsers`).
 *
 * @example
 * const tessera = new Tessera({ getUserManager: () => manager, backends: [bearer, cookie] });
 */
export class Tessera<U extends User<ID>, ID = U["id"], Ctx = unknown> {
  readonly getUserManager: (ctx: Ctx) => UserManager<U, ID>;
  readonly backends: AuthenticationBackend<U, ID, Ctx>[];
  /** `null` when rate limits are off. */
  readonly rateLimiter: RateLimiter | null;
  readonly clientAddresses: ClientAddressResolver;
  /** Signs and reads the login routes' device cookies; `null` when rate limits or device cookies are off. */
  readonly deviceCookies: DeviceCookies | null;
  /** The custom user fields the routes accept and answer. */
  readonly userFields: readonly ResolvedUserField[];
  /** Lifecycle events, for audit logs. */
  readonly events: TesseraEvents<ID>;
  /** Seconds since login within which a session is fresh, or `null` when freshness is not required. */
  readonly freshSessionSeconds: number | null;
  readonly #clock: Clock;

  constructor(options: TesseraOptions<U, ID, Ctx>) {
    if (options.backends.length === 0) throw new TypeError("Tessera needs at least one backend");
    const names = new Set(options.backends.map((backend) => backend.name));
    if (names.size !== options.backends.length) throw new TypeError("Backend names must be unique");
    this.getUserManager = options.getUserManager;
    this.backends = options.backends;
    this.rateLimiter = options.rateLimit === false ? null : new RateLimiter(options.rateLimit);
    const deviceCookie = options.rateLimit === false ? false : options.rateLimit?.deviceCookie;
    this.deviceCookies =
      this.rateLimiter === null || deviceCookie === false
        ? null
        : new DeviceCookies(deviceCookie ?? {}, { shared: !this.rateLimiter.countsInProcess });
    this.clientAddresses = new ClientAddressResolver(options.trustedProxies);
    this.userFields = resolveUserFields(options.userFields);
    this.events = options.events ?? new TesseraEvents<ID>();
    const fresh = options.freshSessionSeconds ?? null;
    if (fresh !== null && !(fresh > 0)) {
      throw new RangeError("freshSessionSeconds must be a positive number or null");
    }
    this.freshSessionSeconds = fresh;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Whether the session of an authenticated request logged in within
   * `freshSessionSeconds` (always `true` when freshness is off). A strategy
   * that cannot tell when its sessions started never has fresh ones.
   */
  async isFreshSession(
    ctx: Ctx,
    authenticated: { token: string; backend: AuthenticationBackend<U, ID, Ctx> },
  ): Promise<boolean> {
    if (this.freshSessionSeconds === null) return true;
    const strategy = authenticated.backend.getStrategy(ctx);
    const started = await strategy.sessionStartedAt?.(authenticated.token);
    if (!started) return false;
    return this.#clock().getTime() - started.getTime() <= this.freshSessionSeconds * 1000;
  }

  /**
   * Revokes every token of the user through each backend's strategy (once per
   * distinct strategy), except `options.keep`, a token as the client holds it.
   * A strategy without `destroyAllTokens` (a JWT) keeps nothing to delete: its
   * tokens end by a raise of the user's security stamp, made here unless the
   * caller raised it already (`options.previousStamp`, as after a credential
   * change), to the stamp that keeps `keep` working where a strategy can
   * ({@link nextSecurityStamp}). With `cause`, emits `session.revoked` when
   * any session ended. Returns how many ended (a stamp raise counts one: the
   * number of JWTs it ended is not known).
   */
  async revokeAllTokens(
    ctx: Ctx,
    user: U,
    options: RevokeOptions = {},
    cause?: RevocationCause,
  ): Promise<number> {
    const strategies = this.#distinctStrategies(ctx);
    let count = 0;
    let revoke = options;
    if (
      options.previousStamp === undefined &&
      [...strategies].some((strategy) => !strategy.destroyAllTokens)
    ) {
      const raised = await this.#raiseStamp(ctx, user, options.keep);
      if (raised === null) return 0;
      count += 1;
      ({ user } = raised);
      revoke = { keep: options.keep, previousStamp: raised.previousStamp };
    }
    for (const strategy of strategies) {
      const ended = await strategy.destroyAllTokens?.(user, revoke);
      if (typeof ended === "number") count += ended;
    }
    if (cause && count > 0) {
      this.events.emit("session.revoked", {
        ...cause.source,
        at: new Date(),
        userId: user.id,
        sessionId: null,
        count,
        reason: cause.reason,
      });
    }
    return count;
  }

  /**
   * The security stamp a change to `user` made from the token `keep` should
   * raise the user's to, so that `keep` keeps working: asked of each
   * backend's strategy that can tell (a JWT's); `undefined` (raise by one,
   * and the strategies that store tokens carry `keep` over) otherwise.
   */
  async nextSecurityStamp(ctx: Ctx, user: U, keep: string): Promise<number | undefined> {
    for (const strategy of this.#distinctStrategies(ctx)) {
      const next = await strategy.nextSecurityStamp?.(user, keep);
      if (typeof next === "number") return next;
    }
    return undefined;
  }

  /** Raises the user's stamp, read again and retried when it changed meanwhile; `null` if the user is gone. */
  async #raiseStamp(
    ctx: Ctx,
    user: U,
    keep: string | undefined,
  ): Promise<{ user: U; previousStamp: number } | null> {
    const manager = this.getUserManager(ctx);
    let current: U | null = user;
    for (let attempt = 0; attempt < STAMP_ATTEMPTS && current !== null; attempt++) {
      const next =
        keep === undefined ? undefined : await this.nextSecurityStamp(ctx, current, keep);
      const raised = await manager.raiseSecurityStamp(current, next);
      if (raised) return { user: raised, previousStamp: current.securityStamp };
      current = await manager.userDb.get(current.id);
    }
    if (current === null) return null;
    throw new StaleUser();
  }

  /**
   * The user's sessions in every backend's strategy that keeps them (each
   * strategy once), newest first. `current` (a token as the client holds it)
   * marks the session it belongs to.
   */
  async listSessions(ctx: Ctx, user: U, current?: string): Promise<ListedSession[]> {
    const sessions: ListedSession[] = [];
    for (const strategy of this.#distinctStrategies(ctx)) {
      if (!strategy.listSessions) continue;
      const currentId =
        current === undefined ? null : ((await strategy.sessionIdOf?.(current)) ?? null);
      for (const session of await strategy.listSessions(user)) {
        sessions.push({ ...session, current: session.id === currentId });
      }
    }
    return sessions.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /**
   * Ends one of the user's sessions by its public id; `false` when the user
   * has none by that id. With `cause`, emits `session.revoked`.
   */
  async revokeSession(
    ctx: Ctx,
    user: U,
    sessionId: string,
    cause?: RevocationCause,
  ): Promise<boolean> {
    for (const strategy of this.#distinctStrategies(ctx)) {
      if (await strategy.destroySession?.(user, sessionId)) {
        if (cause) {
          this.events.emit("session.revoked", {
            ...cause.source,
            at: new Date(),
            userId: user.id,
            sessionId,
            count: 1,
            reason: cause.reason,
          });
        }
        return true;
      }
    }
    return false;
  }

  #distinctStrategies(ctx: Ctx): Set<Strategy<U, ID>> {
    return new Set(this.backends.map((backend) => backend.getStrategy(ctx)));
  }

  /**
   * Call after a user was written (`before` as read, `after` as stored): when
   * the change raised the security stamp (password, email, deactivation), the
   * user's other sessions are already dead; this deletes their rows, and
   * carries `keep` (the requester's own token, when the change is theirs)
   * over to the new stamp. The routers call it. Emits `password.changed`
   * and `email.changed` for what changed, and `session.revoked` for the
   * sessions it ended.
   */
  async credentialsChanged(
    ctx: Ctx,
    before: U,
    after: U,
    options: { keep?: string; source?: EventSource } = {},
  ): Promise<void> {
    if (after.securityStamp === before.securityStamp) return;
    const source = options.source ?? { ip: null, userAgent: null };
    const at = new Date();
    if (after.hashedPassword !== before.hashedPassword) {
      this.events.emit("password.changed", { ...source, at, userId: after.id });
    }
    if (after.email !== before.email) {
      this.events.emit("email.changed", { ...source, at, userId: after.id });
    }
    await this.revokeAllTokens(
      ctx,
      after,
      { keep: options.keep, previousStamp: before.securityStamp },
      { reason: "credentials_changed", source },
    );
  }

  /**
   * Finds the request's user through the backends, in order, and checks the
   * route's requirements. Only the backends whose transport finds a token do a
   * lookup, so an anonymous request costs no query.
   *
   * CSRF is checked here, so every integration and every hand-written use gets
   * it: a credential the browser sends on its own (the cookie) is not used on
   * an unsafe request from an untrusted origin; if nothing else authenticates
   * the request, the answer is 403 with the reason, `optional` or not.
   *
   * @example
   * const auth = await tessera.authenticate(ctx, request, { active: true });
   * if (auth.user === null) return reply(auth.status, { detail: auth.refusal });
   */
  async authenticate(
    ctx: Ctx,
    request: RequestInfo,
    options: CurrentUserOptions<U, ID, Ctx> = {},
  ): Promise<Authentication<U, ID, Ctx>> {
    let csrf: CsrfRefusal | null = null;
    for (const backend of options.backends ?? this.backends) {
      const { transport } = backend;
      const token = transport.readToken(request.headers);
      if (token === null) continue;
      const refusal = transport.checkRequestOrigin?.(request) ?? null;
      if (refusal !== null) {
        csrf ??= refusal;
        continue;
      }
      const user = await backend.getStrategy(ctx).readToken(token, this.getUserManager(ctx));
      if (user !== null) return verdict(user, token, backend, csrf, options);
    }
    return unauthenticated(csrf, options);
  }

  /**
   * {@link authenticate}'s answer at once, when every lookup it needs is
   * answered without waiting (the database strategy on SQLite); `undefined`
   * when the caller must await {@link authenticate} instead. The integrations
   * try it first: on the embedded database the authenticated path then costs
   * no promise. It throws what {@link authenticate} would reject with.
   */
  authenticateNow(
    ctx: Ctx,
    request: RequestInfo,
    options: CurrentUserOptions<U, ID, Ctx> = {},
  ): Authentication<U, ID, Ctx> | undefined {
    let csrf: CsrfRefusal | null = null;
    for (const backend of options.backends ?? this.backends) {
      const { transport } = backend;
      const token = transport.readToken(request.headers);
      if (token === null) continue;
      const refusal = transport.checkRequestOrigin?.(request) ?? null;
      if (refusal !== null) {
        csrf ??= refusal;
        continue;
      }
      const user = backend.getStrategy(ctx).readTokenNow?.(token);
      if (user === undefined) return undefined;
      if (user !== null) return verdict(user, token, backend, csrf, options);
    }
    return unauthenticated(csrf, options);
  }
}

/** The answer for a request whose token found `user`, against the route's requirements. */
function verdict<U extends User<ID>, ID, Ctx>(
  user: U,
  token: string,
  backend: AuthenticationBackend<U, ID, Ctx>,
  csrf: CsrfRefusal | null,
  options: CurrentUserOptions<U, ID, Ctx>,
): Authentication<U, ID, Ctx> {
  const { active = false, verified = false, superuser = false, optional = false } = options;
  // An inactive user is no user: the other backends are not asked.
  if (active && !user.isActive) return unauthenticated(csrf, options);
  if ((verified && !user.isVerified) || (superuser && !user.isSuperuser)) {
    return optional ? ANONYMOUS : FORBIDDEN;
  }
  return { status: 200, user, token, backend, refusal: null };
}

/** The answer when no backend found an acceptable user. */
function unauthenticated(
  csrf: CsrfRefusal | null,
  options: { optional?: boolean },
): typeof ANONYMOUS | ReturnType<typeof refused> {
  if (csrf !== null) return refused(403, csrf);
  return options.optional ? ANONYMOUS : UNAUTHORIZED;
}
