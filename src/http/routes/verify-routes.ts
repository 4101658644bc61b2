import { ErrorCode, InvalidVerifyToken, UserAlreadyVerified } from "../../core/errors.js";
import { detail, json, privateJson } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { Tessera } from "../../tessera.js";
import { emailSubject, tokenSubject } from "../rate-limit/account-subject.js";
import { limitAccount, limitAddress, limitFoundAccount } from "../rate-limit/limit-call.js";
import { readBody } from "../read-body.js";
import type { Route, RouteGroup } from "../route.js";
import { emailSpec, verifySpec } from "../schemas.js";
import { type UserRoutesOptions, type UserSerializer, userReader } from "../user-read.js";
import { fails, NULL, ok, USER, userSchemas } from "./route-docs.js";
import { requireTokenSecret } from "./shared-manager.js";

/**
 * `POST /request-verify-token` (202 `null` for any valid email; the token goes
 * to the manager's `onAfterRequestVerify`) and `POST /verify` (200 with the
 * verified user) — FastAPI Users' `get_verify_router`. The manager needs
 * `verificationTokenSecret`: a shared manager (`getUserManager: () => manager`)
 * without it is refused here.
 *
 * @example
 * const routes = verifyRoutes(tessera); // mounted at /auth
 */
export function verifyRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  options: UserRoutesOptions<U> = {},
): RouteGroup<Ctx> {
  const { maxBodySize } = options;
  requireTokenSecret(tessera, "verify", "verifyRoutes");
  const serializeUser =
    options.serializeUser ?? (userReader(tessera.userFields) as UserSerializer<U>);
  const requestBody = { type: "json", name: "Body_verify_request_token", spec: emailSpec } as const;
  const verifyBody = { type: "json", name: "Body_verify_verify", spec: verifySpec } as const;

  const requestToken: Route<Ctx, typeof emailSpec> = {
    method: "POST",
    path: "/request-verify-token",
    body: requestBody,
    maxBodySize,
    rateLimit: "requestVerifyToken",
    doc: {
      operationId: "verify:request-token",
      summary: "Request a verification token",
      description:
        "Always 202 `null` for a valid email. For an active, unverified user a token is handed " +
        "to the manager's `onAfterRequestVerify` hook, which emails it.",
      tags: ["auth"],
      responses: { 202: ok("Accepted, whoever the email belongs to", NULL) },
    },
    async handle({ request, ctx }) {
      await limitAddress(tessera, request, "requestVerifyToken");
      const { email } = await readBody(request, requestBody, maxBodySize);
      const account = emailSubject(email);
      await limitAccount(tessera, "requestVerifyToken", account);
      await tessera.getUserManager(ctx).requestVerification(email, request, {
        afterLookup: (user) => limitFoundAccount(tessera, "requestVerifyToken", account, user),
      });
      return json(202, null);
    },
  };

  const verify: Route<Ctx, typeof verifySpec> = {
    method: "POST",
    path: "/verify",
    body: verifyBody,
    maxBodySize,
    rateLimit: "verify",
    doc: {
      operationId: "verify:verify",
      summary: "Verify an email",
      tags: ["auth"],
      schemas: userSchemas(tessera.userFields),
      responses: {
        200: ok("The user, now verified", USER),
        400: fails(
          "The token is malformed, forged or expired, its user unknown or its email changed since; or the user is already verified",
          ErrorCode.VERIFY_USER_BAD_TOKEN,
          ErrorCode.VERIFY_USER_ALREADY_VERIFIED,
        ),
      },
    },
    async handle({ request, ctx }) {
      await limitAddress(tessera, request, "verify");
      const { token } = await readBody(request, verifyBody, maxBodySize);
      await limitAccount(tessera, "verify", tokenSubject(token));
      try {
        const user = await tessera.getUserManager(ctx).verify(token, request);
        return privateJson(200, serializeUser(user));
      } catch (error) {
        if (error instanceof InvalidVerifyToken)
          return detail(400, ErrorCode.VERIFY_USER_BAD_TOKEN);
        if (error instanceof UserAlreadyVerified) {
          return detail(400, ErrorCode.VERIFY_USER_ALREADY_VERIFIED);
        }
        throw error;
      }
    },
  };
  return [requestToken, verify];
}
