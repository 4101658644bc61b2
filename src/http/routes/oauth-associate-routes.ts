import { ErrorCode } from "../../core/errors.js";
import { detail, privateJson } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import { OAuthAccountAlreadyLinked } from "../../oauth/oauth-account.js";
import type { OAuthProvider } from "../../oauth/provider.js";
import { linkProviderAccount } from "../../oauth/provider-sign-in.js";
import type { CurrentUserOptions, Tessera } from "../../tessera.js";
import { eventSource } from "../event-source.js";
import { limitAddress } from "../rate-limit/limit-call.js";
import { requireUser } from "../require-user.js";
import type { ResponseDoc, Route, RouteGroup } from "../route.js";
import { type UserSerializer, userReader } from "../user-read.js";
import { authorizeResult } from "./oauth-authorize.js";
import { finishAtProvider } from "./oauth-callback.js";
import {
  AUTHORIZE_RESPONSES,
  CALLBACK_QUERY,
  callbackFailures,
  SCOPES_QUERY,
} from "./oauth-docs.js";
import { type OAuthFlowOptions, oauthFlow } from "./oauth-flow.js";
import { fails, USER, userSchemas } from "./route-docs.js";

export interface OAuthAssociateRoutesOptions<U, ID, Ctx> extends OAuthFlowOptions<ID, Ctx> {
  /** Only verified users may link (FastAPI Users' `requires_verification`). @default false */
  requiresVerification?: boolean;
  /** @default the contract's `UserRead` */
  serializeUser?: UserSerializer<U>;
}

/**
 * `GET /authorize` and `GET /callback` that link a provider account to the
 * signed-in user (FastAPI Users' `get_oauth_associate_router`), mounted at
 * `/auth/associate/{provider.name}`. The state is bound to that user and to
 * the browser; an account linked to another user is refused
 * (`OAUTH_ACCOUNT_ALREADY_LINKED`) where FastAPI Users would link it twice.
 */
export function oauthAssociateRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  provider: OAuthProvider,
  options: OAuthAssociateRoutesOptions<U, ID, Ctx>,
): RouteGroup<Ctx> {
  const { requiresVerification = false } = options;
  const flow = oauthFlow(provider, "associate", options, tessera.rateLimiter?.store ?? null);
  const serializeUser =
    options.serializeUser ?? (userReader(tessera.userFields) as UserSerializer<U>);
  const me: CurrentUserOptions<U, ID, Ctx> = { active: true, verified: requiresVerification };
  const id = `oauth-associate:${provider.name}`;
  const unverified: Record<number, ResponseDoc> = requiresVerification
    ? { 403: fails("The signed-in user is not verified", "Forbidden") }
    : {};

  const authorize: Route<Ctx> = {
    method: "GET",
    path: "/authorize",
    doc: {
      operationId: `${id}.authorize`,
      summary: `Link a ${provider.name} account: start`,
      description:
        "The URL to send the browser to, for the signed-in user; sets the cookie that " +
        "binds the link to this browser.",
      tags: ["auth"],
      security: tessera.backends,
      query: [SCOPES_QUERY],
      responses: { ...AUTHORIZE_RESPONSES, ...unverified },
    },
    async handle(call) {
      const { user } = await requireUser(tessera, call, me);
      return authorizeResult(flow, call.request, String(user.id));
    },
  };

  const callback: Route<Ctx> = {
    method: "GET",
    path: "/callback",
    rateLimit: "login",
    doc: {
      operationId: `${id}.callback`,
      summary: `Link a ${provider.name} account: finish`,
      description:
        "Links the provider account to the signed-in user who started the link, and answers the user.",
      tags: ["auth"],
      security: tessera.backends,
      query: CALLBACK_QUERY,
      responses: {
        ...callbackFailures([ErrorCode.OAUTH_ACCOUNT_ALREADY_LINKED]),
        ...unverified,
        200: { description: "Linked", schema: USER },
      },
      schemas: userSchemas(tessera.userFields),
    },
    async handle(call) {
      const { user } = await requireUser(tessera, call, me);
      const { request, ctx } = call;
      await limitAddress(tessera, request, "login");
      const identity = await finishAtProvider(flow, request, String(user.id));
      const clear = [flow.clearStateCookie];
      try {
        const outcome = await linkProviderAccount(
          flow.store(ctx),
          provider.name,
          identity,
          user.id,
        );
        if (outcome === "linked") {
          tessera.events.emit("oauth.linked", {
            ...eventSource(tessera, request),
            at: new Date(),
            userId: user.id,
            provider: provider.name,
            flow: "associate",
            created: false,
          });
        }
      } catch (error) {
        if (error instanceof OAuthAccountAlreadyLinked) {
          return { ...detail(400, ErrorCode.OAUTH_ACCOUNT_ALREADY_LINKED), cookies: clear };
        }
        throw error;
      }
      return { ...privateJson(200, serializeUser(user)), cookies: clear };
    },
  };
  return [authorize, callback];
}
