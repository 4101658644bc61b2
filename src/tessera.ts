import type { AuthenticationBackend } from "./authentication-backend.js";
import type { User } from "./models.js";
import type { Strategy } from "./strategies/strategy.js";
import type { HeaderReader } from "./transports/transport.js";
import type { UserManager } from "./user-manager.js";

export interface TesseraOptions<U extends User<ID>, ID, Ctx> {
  /** Builds the user manager for one request (return a shared instance when nothing is request-scoped). */
  getUserManager: (ctx: Ctx) => UserManager<U, ID>;
  /** Tried in order on every protected route; the first that recognises the request wins. */
  backends: AuthenticationBackend<U, ID, Ctx>[];
  /**
   * Revoke a user's access tokens when their password changes: every token on
   * a reset, every other token on a change through `PATCH /users/me` (the
   * request's own token stays), every token on an admin change. FastAPI Users
   * revokes none.
   * @default true
   */
  revokeTokensOnPasswordChange?: boolean;
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

/** The outcome of authenticating a request against a route's requirements. */
export type Authentication<U extends User<ID>, ID = U["id"], Ctx = unknown> =
  | {
      status: 200;
      user: U;
      /** The token as the client sent it. */
      token: string;
      backend: AuthenticationBackend<U, ID, Ctx>;
    }
  /** `optional` was set and the request carried no acceptable user. */
  | { status: 200; user: null; token: null; backend: null }
  /** 401: no user, or an inactive one where an active one is required. 403: the user lacks a required flag. */
  | { status: 401 | 403; user: null; token: null; backend: null };

const ANONYMOUS = { status: 200, user: null, token: null, backend: null } as const;
const UNAUTHORIZED = { status: 401, user: null, token: null, backend: null } as const;
const FORBIDDEN = { status: 403, user: null, token: null, backend: null } as const;

/**
 * The facade: holds the user-manager factory and the authentication backends,
 * and decides who is calling. The routers and guards of `tessera/hono` are built
 * from it (FastAPI Users' `FastAPIUsers`).
 *
 * @example
 * const tessera = new Tessera({ getUserManager: () => manager, backends: [bearer, cookie] });
 */
export class Tessera<U extends User<ID>, ID = U["id"], Ctx = unknown> {
  readonly getUserManager: (ctx: Ctx) => UserManager<U, ID>;
  readonly backends: AuthenticationBackend<U, ID, Ctx>[];
  readonly revokeTokensOnPasswordChange: boolean;

  constructor(options: TesseraOptions<U, ID, Ctx>) {
    if (options.backends.length === 0) throw new TypeError("Tessera needs at least one backend");
    const names = new Set(options.backends.map((backend) => backend.name));
    if (names.size !== options.backends.length) throw new TypeError("Backend names must be unique");
    this.getUserManager = options.getUserManager;
    this.backends = options.backends;
    this.revokeTokensOnPasswordChange = options.revokeTokensOnPasswordChange ?? true;
  }

  /**
   * Revokes every token of the user through each backend's strategy (once per
   * distinct strategy), except `keep`, a token as the client holds it.
   * Strategies without `destroyAllTokens` are skipped.
   */
  async revokeAllTokens(ctx: Ctx, user: U, options: { keep?: string } = {}): Promise<void> {
    const done = new Set<Strategy<U, ID>>();
    for (const backend of this.backends) {
      const strategy = backend.getStrategy(ctx);
      if (done.has(strategy)) continue;
      done.add(strategy);
      await strategy.destroyAllTokens?.(user, options);
    }
  }

  /**
   * Call after a user's password changed: revokes their tokens (but `keep`)
   * unless `revokeTokensOnPasswordChange` is off. The routers call it.
   */
  async passwordChanged(ctx: Ctx, user: U, options: { keep?: string } = {}): Promise<void> {
    if (this.revokeTokensOnPasswordChange) await this.revokeAllTokens(ctx, user, options);
  }

  /**
   * Finds the request's user through the backends, in order, and checks the
   * route's requirements. Only the backends whose transport finds a token do a
   * lookup, so an anonymous request costs no query.
   */
  async authenticate(
    ctx: Ctx,
    headers: HeaderReader,
    options: CurrentUserOptions<U, ID, Ctx> = {},
  ): Promise<Authentication<U, ID, Ctx>> {
    const { active = false, verified = false, superuser = false, optional = false } = options;
    let found: Authentication<U, ID, Ctx> | null = null;
    for (const backend of options.backends ?? this.backends) {
      const token = backend.transport.readToken(headers);
      if (token === null) continue;
      const user = await backend.getStrategy(ctx).readToken(token, this.getUserManager(ctx));
      if (user) {
        found = { status: 200, user, token, backend };
        break;
      }
    }
    const user = found?.user;
    if (!user || (active && !user.isActive)) return optional ? ANONYMOUS : UNAUTHORIZED;
    if ((verified && !user.isVerified) || (superuser && !user.isSuperuser)) {
      return optional ? ANONYMOUS : FORBIDDEN;
    }
    return found as Authentication<U, ID, Ctx>;
  }
}
