import type { AuthenticationBackend } from "../../authentication-backend.js";
import { ErrorCode, UserNotExists } from "../../errors.js";
import type { User } from "../../models.js";
import type { Tessera } from "../../tessera.js";
import { CookieTransport } from "../../transports/cookie-transport.js";
import { eventSource } from "../event-source.js";
import { detail } from "../http-result.js";
import { emailSubject } from "../rate-limit/account-subject.js";
import { limitAccount, limitAddress } from "../rate-limit/limit-call.js";
import { readBody } from "../read-body.js";
import { requireUser } from "../require-user.js";
import type { ResponseDoc, Route, RouteGroup } from "../route.js";
import { hashingBusy } from "../run-route.js";
import { loginFormSpec } from "../schemas.js";
import { BEARER_RESPONSE, fails } from "./route-docs.js";

export interface AuthRoutesOptions {
  /** Refuse login (400 `LOGIN_USER_NOT_VERIFIED`) and logout to unverified users. @default false */
  requiresVerification?: boolean;
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
}

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
  const { requiresVerification = false, maxBodySize } = options;
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
    doc: loginDoc(backend, requiresVerification),
    async handle({ request, ctx }) {
      const attempts = await limitAddress(tessera, request, "login");
      const manager = tessera.getUserManager(ctx);
      if (manager.passwordHelper.busyFor(attempts)) return hashingBusy(request);
      // Login CSRF: a foreign page must not log the browser into another account.
      const refusal = backend.transport.checkRequestOrigin?.(request);
      if (refusal) return detail(403, refusal);
      const form = await readBody(request, loginBody, maxBodySize);
      await limitAccount(tessera, "login", emailSubject(form.username));
      // Under a flood, an address's first logins are hashed before its twentieth.
      const credentials = { email: form.username, password: form.password };
      const user = await manager.authenticate(credentials, { priority: attempts });
      const source = eventSource(tessera, request);
      const { events } = tessera;
      const failed = (reason: "bad_credentials" | "inactive" | "unverified", userId: ID | null) => {
        events.emit("login.failed", { ...source, at: new Date(), userId, reason });
      };
      if (!user?.isActive) {
        failed(user ? "inactive" : "bad_credentials", user?.id ?? null);
        return detail(400, ErrorCode.LOGIN_BAD_CREDENTIALS);
      }
      if (requiresVerification && !user.isVerified) {
        failed("unverified", user.id);
        return detail(400, ErrorCode.LOGIN_USER_NOT_VERIFIED);
      }
      const strategy = backend.getStrategy(ctx);
      let token: string;
      try {
        token = await strategy.writeToken(user, source);
      } catch (error) {
        // Deleted between the password check and the token's insert.
        if (error instanceof UserNotExists) {
          failed("bad_credentials", null);
          return detail(400, ErrorCode.LOGIN_BAD_CREDENTIALS);
        }
        throw error;
      }
      const sessionId = strategy.sessionIdOf?.(token) ?? null;
      const at = new Date();
      events.emit("session.created", { ...source, at, userId: user.id, sessionId });
      events.emit("login", { ...source, at, userId: user.id, sessionId, backend: backend.name });
      await manager.onAfterLogin(user, request);
      return backend.transport.loginResult(token);
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
      const result = await backend.logout(strategy, user, token);
      tessera.events.emit("session.revoked", {
        ...eventSource(tessera, call.request),
        at: new Date(),
        userId: user.id,
        sessionId: strategy.sessionIdOf?.(token) ?? null,
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
      responses: logoutResponses(backend),
    },
    async handle(call) {
      const { user } = await requireUser(tessera, call, {
        active: true,
        verified: requiresVerification,
      });
      await tessera.revokeAllTokens(
        call.ctx,
        user,
        {},
        { reason: "logout_all", source: eventSource(tessera, call.request) },
      );
      return backend.transport.logoutResult();
    },
  };
  return [login, logout, logoutAll];
}

function loginDoc(backend: { name: string; transport: unknown }, requiresVerification: boolean) {
  const cookie = backend.transport instanceof CookieTransport;
  const errors: string[] = [ErrorCode.LOGIN_BAD_CREDENTIALS];
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
  } else {
    responses[200] = BEARER_RESPONSE;
  }
  return {
    operationId: `auth:${backend.name}.login`,
    summary: `Log in (${backend.name})`,
    description:
      "OAuth2 password form: `username` is the email (any case). A new access token " +
      "per login; an unknown email costs the same time as a wrong password.",
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
