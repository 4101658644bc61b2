import type { HeaderReader } from "../core/http-request.js";
import type { HttpResult } from "../core/http-result.js";
import type { CsrfRefusal, RequestInfo } from "./request-origin.js";

/**
 * How a token travels: where it is read from on each request, and what the
 * login and logout answers look like. What a token *is* belongs to the strategy.
 */
export interface Transport {
  /** The token carried by a request, or `null`. Never throws on malformed input. */
  readToken(headers: HeaderReader): string | null;
  /**
   * The answer to a successful login (it carries the token: mark it
   * `Cache-Control: no-store`); `refresh`, when the session has a refresh
   * token (transports that cannot carry one never get it).
   */
  loginResult(token: string, refresh?: RefreshGrant): HttpResult;
  /** The answer to a successful logout. */
  logoutResult(): HttpResult;
  /**
   * For credentials a browser attaches on its own (cookies): whether this
   * request may use them, else why not. Transports without it (bearer) are not
   * exposed to CSRF and are never checked.
   */
  checkRequestOrigin?(request: RequestInfo): CsrfRefusal | null;
  /** How the token travels, as an OpenAPI security scheme object. */
  openApiSecurityScheme?(): Record<string, unknown>;
}

/** What a login or a refresh hands out beside the access token when sessions are refreshed. */
export interface RefreshGrant {
  refreshToken: string;
  /** Seconds the access token lives, or `null` if it never expires. */
  expiresIn: number | null;
}
