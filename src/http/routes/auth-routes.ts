import { ErrorCode } from "../../core/errors.js";
import type { TesseraEventMap } from "../../core/events.js";
import { detail } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { AuthenticationBackend } from "../../strategies/authentication-backend.js";
import type { Tessera } from "../../tessera.js";
import { BearerTransport } from "../../transports/bearer-transport.js";
import { CookieTransport } from "../../transports/cookie-transport.js";
import { eventSource } from "../event-source.js";
import { emailSubject } from "../rate-limit/account-subject.js";
import { limitAddress, limitFoundAccount, limitLogin } from "../rate-limit/limit-call.js";
import { readBody } from "../read-body.js";
import { requireUser } from "../require-user.js";
import type { ResponseDoc, Route, RouteGroup } from "../route.js";
import { hashingBusy } from "../run-route.js";
import { loginFormSpec, refreshSpec } from "../schemas.js";
import { BEARER_RESPONSE, fails } from "./route-docs.js";
import { loginFailed, refreshing, startSession } from "./start-session.js";

export interface AuthRoutesOptions {
  /** Refuse login (400 `LOGIN_USER_NOT_VERIFIED`) and logout to unverified users. @default false */
  requiresVerification?: boolean;
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
  /**
   * Sessions with rotating refresh tokens: login also answers
   * `refresh_token` and `expires_in`, and `POST /refresh` exchanges a refresh
   * token for a new pair. The backend's transport must be the bearer one and
   * its strategy a `DatabaseStrategy` with `refreshTokens`.
   * @default false
   */
  refreshTokens?: boolean;
}

type LoginFailure = TesseraEventMap["login.failed"]["reason"];

/**
 * `POST /login` (OAuth2 password form) and `POST /logout` for one backend
 * (FastAPI Users' `get_auth_router`). Mount one group per backend.
 *
 * @example
 * const routes = authRoutes(tessera, bearerBackend); // mounted at /auth
 */
export function authRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  backend: AuthenticationBackend<U, ID, Ctx>,
  options: AuthRoutesOptions = {},
): RouteGroup<Ctx> {
  const { requiresVerification = false, maxBodySize, refreshTokens = false } = options;
  if (refreshTokens && !(backend.transport instanceof BearerTransport)) {
    throw new TypeError(
      "refresh tokens travel in JSON: authRoutes({ refreshTokens }) needs a BearerTransport",
    );
  }
  const loginBody = {
    type: "form",
    name: `Body_auth_${backend.name}_login`,
    spec: loginFormSpec,
  } as const;

  const login: Route<Ctx, typeof loginFormSpec> = {
    method: "POST",
    path: "/login",
    body: loginBody,
    maxBodySize,
    rateLimit: "login",
    doc: loginDoc(backend, requiresVerification, refreshTokens, tessera.deviceCookies !== null),
    async handle({ request, ctx }) {
      const attempts = await limitAddress(tessera, request, "login");
      const manager = tessera.getUserManager(ctx);
      if (manager.passwordHelper.busyFor(attempts)) return hashingBusy(request);
      // Login CSRF: a foreign page must not log the browser into another account.
      const refusal = backend.transport.checkRequestOrigin?.(request);
      if (refusal) return detail(403, refusal);
      const form = await readBody(request, loginBody, maxBodySize);
      const account = emailSubject(form.username);
      const device = await limitLogin(tessera, request, account);
      // Under a flood, an address's first logins are hashed before its twentieth.
      const credentials = { email: form.username, password: form.password };
      const user = await manager.authenticate(credentials, {
        priority: attempts,
        afterLookup: (found) =>
          device === null ? limitFoundAccount(tessera, "login", account, found) : undefined,
      });
      const source = eventSource(tessera, request);
      const failed = (reason: LoginFailure, userId: ID | null) =>
        loginFailed(tessera, source, reason, userId);
      if (!user?.isActive) {
        failed(user ? "inactive" : "bad_credentials", user?.id ?? null);
        return detail(400, ErrorCode.LOGIN_BAD_CREDENTIALS);
      }
      if (requiresVerification && !user.isVerified) {
        failed("unverified", user.id);
        return detail(400, ErrorCode.LOGIN_USER_NOT_VERIFIED);
      }
      const result = await startSession(tessera, backend, { request, ctx }, user, {
        amr: ["password"],
        refreshTokens,
      });
      if (result.status >= 400) return result;
      const deviceCookie = tessera.deviceCookies?.setCookie(account, device);
      if (deviceCookie === undefined) return result;
      return { ...result, cookies: [...(result.cookies ?? []), deviceCookie] };
    },
  };

  const logout: Route<Ctx> = {
    method: "POST",
    path: "/logout",
    doc: {
      operationId: `auth:${backend.name}.logout`,
      summary: `Log out (${backend.name})`,
      description: "Deletes the token the request carries; the user's other tokens keep working.",
      tags: ["auth"],
      security: tessera.backends,
      responses: logoutResponses(backend),
    },
    async handle(call) {
      const { user, token } = await requireUser(tessera, call, {
        active: true,
        verified: requiresVerification,
      });
      const strategy = backend.getStrategy(call.ctx);
      // Read before the logout deletes what it is read from.
      const sessionId = (await strategy.sessionIdOf?.(token)) ?? null;
      const result = await backend.logout(strategy, user, token);
      tessera.events.emit("session.revoked", {
        ...eventSource(tessera, call.request),
        at: new Date(),
        userId: user.id,
        sessionId,
        count: 1,
        reason: "logout",
      });
      return result;
    },
  };
  const logoutAll: Route<Ctx> = {
    method: "POST",
    path: "/logout-all",
    doc: {
      operationId: `auth:${backend.name}.logout_all`,
      summary: `Log out everywhere (${backend.name})`,
      description:
        "Ends every session of the user, in every backend, the one making this request included.",
      tags: ["auth"],
      security: tessera.backends,
      responses:
        tessera.freshSessionSeconds === null
          ? logoutResponses(backend)
          : {
              ...logoutResponses(backend),
              403: fails("The session is not fresh: log in again", ErrorCode.SESSION_NOT_FRESH),
            },
    },
    async handle(call) {
      const requester = await requireUser(tessera, call, {
        active: true,
        verified: requiresVerification,
      });
      const { user } = requester;
      if (!(await tessera.isFreshSession(call.ctx, requester))) {
        return detail(403, ErrorCode.SESSION_NOT_FRESH);
      }
      await tessera.revokeAllTokens(
        call.ctx,
        user,
        {},
        { reason: "logout_all", source: eventSource(tessera, call.request) },
      );
      return backend.transport.logoutResult();
    },
  };
  const routes: Route<Ctx>[] = [login, logout, logoutAll];
  if (refreshTokens) routes.push(refreshRoute(tessera, backend, maxBodySize));
  return routes;
}

/** `POST /refresh` `{"refresh_token": …}`: a new pair, the old refresh token used up. */
function refreshRoute<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  backend: AuthenticationBackend<U, ID, Ctx>,
  maxBodySize: number | undefined,
): Route<Ctx, typeof refreshSpec> {
  const body = {
    type: "json",
    name: `Body_auth_${backend.name}_refresh`,
    spec: refreshSpec,
  } as const;
  return {
    method: "POST",
    path: "/refresh",
    body,
    maxBodySize,
    doc: {
      operationId: `auth:${backend.name}.refresh`,
      summary: `Refresh (${backend.name})`,
      description:
        "Exchanges a refresh token for a new access token and a new refresh token; the one " +
        "sent is used up. A refresh token sent a second time (a copy is in other hands) " +
        "revokes its whole session: every access and refresh token of it.",
      tags: ["auth"],
      responses: {
        200: {
          description: "A new pair",
          schema: { $ref: "#/components/schemas/RefreshedBearerResponse" },
        },
        401: fails(
          "The refresh token is invalid, expired or revoked; or was used before, which revoked its session",
          ErrorCode.REFRESH_TOKEN_INVALID,
          ErrorCode.REFRESH_TOKEN_REUSED,
        ),
      },
    },
    async handle({ request, ctx }) {
      const { refresh_token } = await readBody(request, body, maxBodySize);
      const strategy = refreshing(backend.getStrategy(ctx));
      const outcome = await strategy.refresh(refresh_token, eventSource(tessera, request));
      if (!outcome.ok) {
        return detail(
          401,
          outcome.reason === "reused"
            ? ErrorCode.REFRESH_TOKEN_REUSED
            : ErrorCode.REFRESH_TOKEN_INVALID,
        );
      }
      return backend.transport.loginResult(outcome.accessToken, {
        refreshToken: outcome.refreshToken,
        expiresIn: strategy.lifetimeSeconds,
      });
    },
  };
}

function loginDoc(
  backend: { name: string; transport: unknown },
  requiresVerification: boolean,
  refreshTokens: boolean,
  deviceCookies: boolean,
) {
  const cookie = backend.transport instanceof CookieTransport;
  const errors: string[] = [ErrorCode.LOGIN_BAD_CREDENTIALS, ErrorCode.LOGIN_TOO_MANY_SESSIONS];
  if (requiresVerification) errors.push(ErrorCode.LOGIN_USER_NOT_VERIFIED);
  const responses: Record<number, ResponseDoc> = {
    400: fails("Bad credentials, an unknown or an inactive user", ...errors),
  };
  if (cookie) {
    responses[204] = {
      description: "Logged in: the token is in an HttpOnly cookie",
      headers: { "set-cookie": { description: "The session cookie", schema: { type: "string" } } },
    };
    responses[403] = fails(
      "A browser request from an untrusted origin (login CSRF)",
      ErrorCode.CSRF_ORIGIN_NOT_TRUSTED,
      ErrorCode.CSRF_CROSS_SITE_REQUEST,
    );
  } else if (refreshTokens) {
    responses[200] = {
      description: "Logged in, with a refresh token",
      schema: { $ref: "#/components/schemas/RefreshedBearerResponse" },
    };
  } else {
    responses[200] = BEARER_RESPONSE;
  }
  return {
    operationId: `auth:${backend.name}.login`,
    summary: `Log in (${backend.name})`,
    description:
      "OAuth2 password form: `username` is the email (any case). A new access token " +
      "per login; an unknown email costs the same time as a wrong password." +
      (deviceCookies
        ? " A successful login also sets a device cookie; a login that presents it is " +
          "rate-limited per device rather than by the account's limit."
        : ""),
    tags: ["auth"],
    responses,
  };
}

function logoutResponses(backend: { transport: unknown }): Record<number, ResponseDoc> {
  if (!(backend.transport instanceof CookieTransport)) {
    return { 204: { description: "Logged out: the token is revoked" } };
  }
  return {
    204: {
      description: "Logged out: the token is revoked and the cookie cleared",
      headers: { "set-cookie": { description: "Clears the cookie", schema: { type: "string" } } },
    },
  };
}
