import {
  ErrorCode,
  InvalidEmail,
  SessionLimitReached,
  UserAlreadyExists,
  UserNotExists,
} from "../../core/errors.js";
import { detail } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { OAuthProvider } from "../../oauth/provider.js";
import { signInWithProvider } from "../../oauth/provider-sign-in.js";
import type { AuthenticationBackend } from "../../strategies/authentication-backend.js";
import type { Tessera } from "../../tessera.js";
import { CookieTransport } from "../../transports/cookie-transport.js";
import { eventSource } from "../event-source.js";
import { limitAddress } from "../rate-limit/limit-call.js";
import type { ResponseDoc, Route, RouteGroup } from "../route.js";
import {
  AUTHORIZE_RESPONSE,
  CALLBACK_QUERY,
  callbackFailures,
  SCOPES_QUERY,
} from "./oauth-docs.js";
import {
  authorizeResult,
  finishAtProvider,
  type OAuthFlowOptions,
  oauthFlow,
} from "./oauth-flow.js";
import { BEARER_RESPONSE } from "./route-docs.js";

export interface OAuthRoutesOptions<ID, Ctx> extends OAuthFlowOptions<ID, Ctx> {
  /**
   * A provider account seen for the first time whose email is a user's is
   * linked to that user — only when the provider asserts the email is
   * verified (else `OAUTH_USER_ALREADY_EXISTS`: an unverified address would
   * be an account-takeover path). @default false
   */
  associateByEmail?: boolean;
  /** Users the sign-in creates are verified, when the provider verified the email. @default false */
  isVerifiedByDefault?: boolean;
  /** Refuse unverified users (400 `LOGIN_USER_NOT_VERIFIED`), as the login route does. @default false */
  requiresVerification?: boolean;
}

/**
 * `GET /authorize` and `GET /callback` for one provider and one backend
 * (FastAPI Users' `get_oauth_router`), mounted at `/auth/{provider.name}`.
 * The callback answers as the backend's login does (a token body, or the
 * cookie). Stricter than FastAPI Users: PKCE (S256) always, `nonce` and the
 * ID token checked, and a state that is short-lived, single-use and bound to
 * the browser that asked for it (a cookie).
 *
 * @example
 * app.route("/auth/google", honoRoutes(oauthRoutes(tessera, bearer, google, {
 *   accounts: adapter.oauthAccounts, stateSecret: SECRET,
 *   redirectUrl: "https://app.example/auth/google/callback",
 * })));
 */
export function oauthRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  backend: AuthenticationBackend<U, ID, Ctx>,
  provider: OAuthProvider,
  options: OAuthRoutesOptions<ID, Ctx>,
): RouteGroup<Ctx> {
  const {
    associateByEmail = false,
    isVerifiedByDefault = false,
    requiresVerification = false,
  } = options;
  const flow = oauthFlow(provider, "sign-in", options, tessera.rateLimiter?.store ?? null);
  const id = `oauth:${provider.name}.${backend.name}`;
  const method = `oauth:${provider.name}`;

  const authorize: Route<Ctx> = {
    method: "GET",
    path: "/authorize",
    doc: {
      operationId: `${id}.authorize`,
      summary: `Sign in with ${provider.name}: start`,
      description:
        "The URL to send the browser to. Also sets a short-lived HttpOnly cookie that " +
        "binds the sign-in to this browser: the callback must come from it.",
      tags: ["auth"],
      query: [SCOPES_QUERY],
      responses: { 200: AUTHORIZE_RESPONSE },
    },
    handle: ({ request }) => authorizeResult(flow, request, ""),
  };

  const callback: Route<Ctx> = {
    method: "GET",
    path: "/callback",
    rateLimit: "login",
    doc: {
      operationId: `${id}.callback`,
      summary: `Sign in with ${provider.name}: finish`,
      description:
        "Where the provider sends the browser back. The response varies based on the " +
        "authentication backend used: the backend's login answer. Finds the user linked to the " +
        "provider account, else links the user with its email (when allowed and verified), " +
        "else creates a user without a password.",
      tags: ["auth"],
      query: CALLBACK_QUERY,
      responses: callbackResponses(backend, requiresVerification),
    },
    async handle({ request, ctx }) {
      await limitAddress(tessera, request, "login");
      const identity = await finishAtProvider(flow, request, "");
      const clear = [flow.clearStateCookie(request)];
      const manager = tessera.getUserManager(ctx);
      const source = eventSource(tessera, request);
      const { events } = tessera;
      const refuse = (code: string, userId: ID | null, reason?: "inactive" | "unverified") => {
        if (reason) events.emit("login.failed", { ...source, at: new Date(), userId, reason });
        return { ...detail(400, code), cookies: clear };
      };
      let signedIn: Awaited<ReturnType<typeof signInWithProvider<U, ID>>>;
      try {
        signedIn = await signInWithProvider(manager, flow.store(ctx), provider.name, identity, {
          associateByEmail,
          isVerifiedByDefault,
          request,
        });
      } catch (error) {
        if (error instanceof UserAlreadyExists) {
          return refuse(ErrorCode.OAUTH_USER_ALREADY_EXISTS, null);
        }
        if (error instanceof InvalidEmail) return refuse(ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL, null);
        if (error instanceof UserNotExists) return refuse(ErrorCode.LOGIN_BAD_CREDENTIALS, null);
        throw error;
      }
      const { user, outcome } = signedIn;
      if (outcome !== "existing") {
        events.emit("oauth.linked", {
          ...source,
          at: new Date(),
          userId: user.id,
          provider: provider.name,
          flow: "sign_in",
          created: outcome === "created",
        });
      }
      if (!user.isActive) return refuse(ErrorCode.LOGIN_BAD_CREDENTIALS, user.id, "inactive");
      if (requiresVerification && !user.isVerified) {
        return refuse(ErrorCode.LOGIN_USER_NOT_VERIFIED, user.id, "unverified");
      }
      const strategy = backend.getStrategy(ctx);
      let token: string;
      try {
        token = await strategy.writeToken(user, { ...source, amr: [method] });
      } catch (error) {
        if (error instanceof UserNotExists) return refuse(ErrorCode.LOGIN_BAD_CREDENTIALS, null);
        if (error instanceof SessionLimitReached) {
          return refuse(ErrorCode.LOGIN_TOO_MANY_SESSIONS, user.id);
        }
        throw error;
      }
      const sessionId = (await strategy.sessionIdOf?.(token)) ?? null;
      const at = new Date();
      const amr = [method];
      events.emit("session.created", { ...source, at, userId: user.id, sessionId, amr });
      events.emit("login", {
        ...source,
        at,
        userId: user.id,
        sessionId,
        backend: backend.name,
        amr,
      });
      await manager.onAfterLogin(user, request);
      const result = backend.transport.loginResult(token);
      return { ...result, cookies: [...(result.cookies ?? []), ...clear] };
    },
  };
  return [authorize, callback];
}

function callbackResponses(
  backend: { transport: unknown },
  requiresVerification: boolean,
): Record<number, ResponseDoc> {
  const failures = callbackFailures([
    ErrorCode.OAUTH_USER_ALREADY_EXISTS,
    ErrorCode.LOGIN_BAD_CREDENTIALS,
    ErrorCode.LOGIN_TOO_MANY_SESSIONS,
    ...(requiresVerification ? [ErrorCode.LOGIN_USER_NOT_VERIFIED] : []),
  ]);
  if (backend.transport instanceof CookieTransport) {
    return {
      ...failures,
      204: {
        description: "Signed in: the token is in an HttpOnly cookie",
        headers: {
          "set-cookie": { description: "The session cookie", schema: { type: "string" } },
        },
      },
    };
  }
  return { ...failures, 200: BEARER_RESPONSE };
}
