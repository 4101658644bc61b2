import { ErrorCode, InvalidEmail, UserAlreadyExists, UserNotExists } from "../../core/errors.js";
import { detail } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { OAuthProvider } from "../../oauth/provider.js";
import { UnverifiedProviderEmail } from "../../oauth/provider-errors.js";
import { signInWithProvider } from "../../oauth/provider-sign-in.js";
import type { AuthenticationBackend } from "../../strategies/authentication-backend.js";
import type { Tessera } from "../../tessera.js";
import { BearerTransport } from "../../transports/bearer-transport.js";
import { CookieTransport } from "../../transports/cookie-transport.js";
import { eventSource } from "../event-source.js";
import { limitAddress } from "../rate-limit/limit-call.js";
import type { ResponseDoc, Route, RouteGroup } from "../route.js";
import { authorizeResult } from "./oauth-authorize.js";
import { finishAtProvider } from "./oauth-callback.js";
import {
  AUTHORIZE_RESPONSES,
  CALLBACK_QUERY,
  callbackFailures,
  SCOPES_QUERY,
} from "./oauth-docs.js";
import { type OAuthFlowOptions, oauthFlow } from "./oauth-flow.js";
import { BEARER_RESPONSE } from "./route-docs.js";
import { loginFailed, startSession } from "./start-session.js";

export interface OAuthRoutesOptions<ID, Ctx> extends OAuthFlowOptions<ID, Ctx> {
  /**
   * A provider account seen for the first time whose email is a user's is
   * linked to that user — only when the provider asserts the email is
   * verified and the user verified it too (else `OAUTH_USER_ALREADY_EXISTS`:
   * either would be an account-takeover path). @default false
   */
  associateByEmail?: boolean;
  /** Users the sign-in creates are verified, when the provider verified the email. @default false */
  isVerifiedByDefault?: boolean;
  /**
   * Create users from emails the provider does not say it verified (Microsoft
   * Entra ID sends no `email_verified`). Off, such a sign-up answers 400
   * `OAUTH_EMAIL_NOT_VERIFIED`: whoever owns the mailbox could later take the
   * account by a password reset, the stranger's provider account still linked.
   * @default false
   */
  allowUnverifiedEmails?: boolean;
  /** Refuse unverified users (400 `LOGIN_USER_NOT_VERIFIED`), as the login route does. @default false */
  requiresVerification?: boolean;
  /**
   * Answer a refresh token too, as `authRoutes({ refreshTokens: true })`
   * does: the backend must be the bearer one over a strategy that rotates them.
   * @default false
   */
  refreshTokens?: boolean;
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
    allowUnverifiedEmails = false,
    requiresVerification = false,
    refreshTokens = false,
  } = options;
  if (refreshTokens && !(backend.transport instanceof BearerTransport)) {
    throw new TypeError(
      "refresh tokens travel in JSON: oauthRoutes({ refreshTokens }) needs a BearerTransport",
    );
  }
  const flow = oauthFlow(provider, "sign-in", options, tessera.rateLimiter?.store ?? null);
  const id = `oauth:${provider.name}.${backend.name}`;

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
      responses: AUTHORIZE_RESPONSES,
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
        "provider account, else links the user with its email (when allowed and verified on " +
        "both sides), else creates a user without a password (from a verified email).",
      tags: ["auth"],
      query: CALLBACK_QUERY,
      responses: callbackResponses(backend, requiresVerification, refreshTokens),
    },
    async handle({ request, ctx }) {
      await limitAddress(tessera, request, "login");
      const identity = await finishAtProvider(flow, request, "");
      const cookies = [flow.clearStateCookie];
      const source = eventSource(tessera, request);
      const refuse = (code: string) => ({ ...detail(400, code), cookies });
      let signedIn: Awaited<ReturnType<typeof signInWithProvider<U, ID>>>;
      try {
        signedIn = await signInWithProvider(
          tessera.getUserManager(ctx),
          flow.store(ctx),
          provider.name,
          identity,
          { associateByEmail, isVerifiedByDefault, allowUnverifiedEmails, request },
        );
      } catch (error) {
        if (error instanceof UserAlreadyExists) return refuse(ErrorCode.OAUTH_USER_ALREADY_EXISTS);
        if (error instanceof UnverifiedProviderEmail) {
          return refuse(ErrorCode.OAUTH_EMAIL_NOT_VERIFIED);
        }
        if (error instanceof InvalidEmail) return refuse(ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL);
        if (error instanceof UserNotExists) {
          loginFailed(tessera, source, "bad_credentials", null);
          return refuse(ErrorCode.LOGIN_BAD_CREDENTIALS);
        }
        throw error;
      }
      const { user, outcome } = signedIn;
      if (outcome !== "existing") {
        tessera.events.emit("oauth.linked", {
          ...source,
          at: new Date(),
          userId: user.id,
          provider: provider.name,
          flow: "sign_in",
          created: outcome === "created",
        });
      }
      if (!user.isActive) {
        loginFailed(tessera, source, "inactive", user.id);
        return refuse(ErrorCode.LOGIN_BAD_CREDENTIALS);
      }
      if (requiresVerification && !user.isVerified) {
        loginFailed(tessera, source, "unverified", user.id);
        return refuse(ErrorCode.LOGIN_USER_NOT_VERIFIED);
      }
      const result = await startSession(tessera, backend, { request, ctx }, user, {
        amr: [`oauth:${provider.name}`],
        refreshTokens,
      });
      return { ...result, cookies: [...(result.cookies ?? []), ...cookies] };
    },
  };
  return [authorize, callback];
}

function callbackResponses(
  backend: { transport: unknown },
  requiresVerification: boolean,
  refreshTokens: boolean,
): Record<number, ResponseDoc> {
  const failures = callbackFailures([
    ErrorCode.OAUTH_USER_ALREADY_EXISTS,
    ErrorCode.OAUTH_EMAIL_NOT_VERIFIED,
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
  const body = refreshTokens
    ? {
        description: "Signed in, with a refresh token",
        schema: { $ref: "#/components/schemas/RefreshedBearerResponse" },
      }
    : BEARER_RESPONSE;
  return { ...failures, 200: body };
}
