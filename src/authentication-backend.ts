import type { HttpResult } from "./http/http-result.js";
import type { User } from "./models.js";
import type { SessionInfo } from "./sessions.js";
import type { Strategy } from "./strategies/strategy.js";
import type { Transport } from "./transports/transport.js";

export interface AuthenticationBackendOptions<U extends User<ID>, ID, Ctx> {
  /** Unique among the backends; names the routes in the OpenAPI document. */
  name: string;
  transport: Transport;
  /**
   * Builds the strategy for one request. It receives the request's context, so a
   * request-scoped database handle (a transaction, a tenant's connection) can be
   * injected; return a shared instance when there is none. A factory that
   * takes no argument is called once here, so a strategy that cannot be built
   * (a JWT secret too short) stops the app now, not at the first request.
   */
  getStrategy: (ctx: Ctx) => Strategy<U, ID>;
}

/**
 * Pairs a transport (how the token travels) with a strategy factory (what the
 * token is). It decides nothing itself.
 *
 * @example
 * const bearer = new AuthenticationBackend({
 *   name: "database",
 *   transport: new BearerTransport({ tokenUrl: "auth/login" }),
 *   getStrategy: () => new DatabaseStrategy(accessTokenDb, { lifetimeSeconds: 3600 }),
 * });
 */
export class AuthenticationBackend<U extends User<ID>, ID = U["id"], Ctx = unknown> {
  readonly name: string;
  readonly transport: Transport;
  readonly getStrategy: (ctx: Ctx) => Strategy<U, ID>;

  constructor(options: AuthenticationBackendOptions<U, ID, Ctx>) {
    this.name = options.name;
    this.transport = options.transport;
    this.getStrategy = options.getStrategy;
    if (options.getStrategy.length === 0) options.getStrategy(undefined as Ctx);
  }

  /** Issues a token for the user and answers as the transport does. */
  async login(strategy: Strategy<U, ID>, user: U, session?: SessionInfo): Promise<HttpResult> {
    return this.transport.loginResult(await strategy.writeToken(user, session));
  }

  /** Revokes the token and answers as the transport does. */
  async logout(strategy: Strategy<U, ID>, user: U, token: string): Promise<HttpResult> {
    await strategy.destroyToken(token, user);
    return this.transport.logoutResult();
  }
}
