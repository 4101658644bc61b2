import type { HttpResult } from "../core/http-result.js";
import type { User } from "../core/models.js";
import type { SessionInfo } from "../sessions/session.js";
import type { Transport } from "../transports/transport.js";
import { keepsSessions, type Strategy } from "./strategy.js";

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
  /**
   * Whether the strategy keeps sessions it can list and end one by one (the
   * database and Redis strategies do, a JWT does not): the sessions routes
   * are mounted only when every backend's strategy does.
   * @default learned when the routes are built, from one strategy made by
   * `getStrategy` with no request context (declare it if that throws)
   */
  keepsSessions?: boolean;
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
  #keepsSessions: boolean | undefined;

  constructor(options: AuthenticationBackendOptions<U, ID, Ctx>) {
    this.name = options.name;
    this.transport = options.transport;
    this.getStrategy = options.getStrategy;
    this.#keepsSessions = options.keepsSessions;
    if (options.getStrategy.length === 0) {
      const strategy = options.getStrategy(undefined as Ctx);
      this.#keepsSessions ??= keepsSessions(strategy);
    }
  }

  /**
   * Whether the strategy keeps sessions it can list and end (see
   * {@link AuthenticationBackendOptions.keepsSessions}). Read when routes are
   * built; throws there when it cannot be learned.
   */
  get keepsSessions(): boolean {
    if (this.#keepsSessions === undefined) {
      let strategy: Strategy<U, ID>;
      try {
        // Startup, not a request: the factory gets no context.
        strategy = this.getStrategy(undefined as Ctx);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new TypeError(
          `backend "${this.name}": getStrategy() without a request context threw (${reason}), so whether its strategy keeps sessions is unknown: declare keepsSessions: true or false on the AuthenticationBackend`,
        );
      }
      this.#keepsSessions = keepsSessions(strategy);
    }
    return this.#keepsSessions;
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
