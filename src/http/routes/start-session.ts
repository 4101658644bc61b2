import { ErrorCode, SessionLimitReached, UserNotExists } from "../../core/errors.js";
import type { EventSource, TesseraEventMap } from "../../core/events.js";
import type { HttpRequest } from "../../core/http-request.js";
import { detail, type HttpResult } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { AuthenticationBackend } from "../../strategies/authentication-backend.js";
import {
  type RefreshingStrategy,
  refreshingStrategy,
  type Strategy,
} from "../../strategies/strategy.js";
import type { Tessera } from "../../tessera.js";
import type { RefreshGrant } from "../../transports/transport.js";
import { eventSource } from "../event-source.js";

type LoginFailure = TesseraEventMap["login.failed"]["reason"];

/** Records a refused login (`login.failed`), never with a password or a token. */
export function loginFailed<ID>(
  tessera: {
    events: { emit(name: "login.failed", event: TesseraEventMap<ID>["login.failed"]): void };
  },
  source: EventSource,
  reason: LoginFailure,
  userId: ID | null,
): void {
  tessera.events.emit("login.failed", { ...source, at: new Date(), userId, reason });
}

/** The strategy as one that rotates refresh tokens; throws at mounting when it has none. */
export function refreshing<U extends User<ID>, ID>(
  strategy: Strategy<U, ID>,
): RefreshingStrategy<U> {
  const found = refreshingStrategy(strategy);
  if (found === null) {
    throw new TypeError(
      "authRoutes({ refreshTokens: true }) needs a DatabaseStrategy with the refreshTokens option",
    );
  }
  return found;
}

export interface StartSessionOptions {
  /** How the user proved who they are (`["password"]`, `["oauth:google"]`). */
  amr: string[];
  /** Also hand out a refresh token (the backend's strategy must rotate them). */
  refreshTokens: boolean;
}

/**
 * What a login does once it has its user, whatever proved them (a password,
 * a provider): the session's token (and refresh token), the `session.created`
 * and `login` events, the `onAfterLogin` hook, and the backend transport's
 * answer. A user deleted meanwhile answers `LOGIN_BAD_CREDENTIALS`; a full
 * session cap that refuses, `LOGIN_TOO_MANY_SESSIONS`.
 */
export async function startSession<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  backend: AuthenticationBackend<U, ID, Ctx>,
  call: { request: HttpRequest; ctx: Ctx },
  user: U,
  options: StartSessionOptions,
): Promise<HttpResult> {
  const { request, ctx } = call;
  const { amr } = options;
  const source = eventSource(tessera, request);
  const strategy = backend.getStrategy(ctx);
  let token: string;
  let refresh: RefreshGrant | undefined;
  try {
    if (options.refreshTokens) {
      const refreshable = refreshing(strategy);
      const pair = await refreshable.writeTokens(user, { ...source, amr });
      token = pair.accessToken;
      refresh = { refreshToken: pair.refreshToken, expiresIn: refreshable.lifetimeSeconds };
    } else {
      token = await strategy.writeToken(user, { ...source, amr });
    }
  } catch (error) {
    // Deleted between the check of who they are and the token's insert.
    if (error instanceof UserNotExists) {
      loginFailed(tessera, source, "bad_credentials", null);
      return detail(400, ErrorCode.LOGIN_BAD_CREDENTIALS);
    }
    if (error instanceof SessionLimitReached) {
      loginFailed(tessera, source, "too_many_sessions", user.id);
      return detail(400, ErrorCode.LOGIN_TOO_MANY_SESSIONS);
    }
    throw error;
  }
  const sessionId = (await strategy.sessionIdOf?.(token)) ?? null;
  const at = new Date();
  const { events } = tessera;
  events.emit("session.created", { ...source, at, userId: user.id, sessionId, amr });
  events.emit("login", { ...source, at, userId: user.id, sessionId, backend: backend.name, amr });
  await tessera.getUserManager(ctx).onAfterLogin(user, request);
  return backend.transport.loginResult(token, refresh);
}
