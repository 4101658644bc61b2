import { ErrorCode, InvalidPasswordException, UserAlreadyExists } from "../../core/errors.js";
import { detail, privateJson } from "../../core/http-result.js";
import type { User, UserCreate } from "../../core/models.js";
import type { Tessera } from "../../tessera.js";
import type { ExtraFieldsOf } from "../../users/user-fields.js";
import { emailSubject } from "../rate-limit/account-subject.js";
import { limitAccount, limitAddress } from "../rate-limit/limit-call.js";
import { readBody } from "../read-body.js";
import type { Route, RouteGroup } from "../route.js";
import { hashingBusy } from "../run-route.js";
import { userCreateSpec } from "../schemas.js";
import { userFieldSpecs, userFieldValues } from "../user-field-specs.js";
import { type UserRoutesOptions, type UserSerializer, userReader } from "../user-read.js";
import { fails, ok, REASON, USER, userSchemas } from "./route-docs.js";

type ExtraFields<U> = Partial<ExtraFieldsOf<U>>;

/**
 * `POST /register`: creates an active, unverified, non-superuser account and
 * answers 201 with it (FastAPI Users' `get_register_router`).
 *
 * @example
 * const routes = registerRoutes(tessera); // mounted at /auth
 */
export function registerRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  options: UserRoutesOptions<U> = {},
): RouteGroup<Ctx> {
  const { maxBodySize } = options;
  const { userFields } = tessera;
  const serializeUser = options.serializeUser ?? (userReader(userFields) as UserSerializer<U>);
  const spec: typeof userCreateSpec = {
    ...userCreateSpec,
    ...userFieldSpecs(userFields, "create"),
  };
  const body = { type: "json", name: "UserCreate", spec } as const;
  const register: Route<Ctx, typeof userCreateSpec> = {
    method: "POST",
    path: "/register",
    body,
    maxBodySize,
    rateLimit: "register",
    doc: {
      operationId: "register:register",
      summary: "Register",
      description:
        "Creates an active, unverified, non-superuser account (the flags in the body are ignored).",
      tags: ["auth"],
      schemas: userSchemas(userFields),
      responses: {
        201: ok("The new user", USER),
        400: fails(
          "The email is taken (any case), or the password is refused",
          ErrorCode.REGISTER_USER_ALREADY_EXISTS,
          { code: ErrorCode.REGISTER_INVALID_PASSWORD, reason: REASON },
        ),
      },
    },
    async handle({ request, ctx }) {
      const attempts = await limitAddress(tessera, request, "register");
      const manager = tessera.getUserManager(ctx);
      if (manager.passwordHelper.busyFor(attempts)) return hashingBusy(request);
      const data = await readBody(request, body, maxBodySize);
      const { email, password } = data;
      await limitAccount(tessera, "register", emailSubject(email));
      try {
        const user = await manager.create(
          { ...userFieldValues(userFields, data), email, password } as UserCreate & ExtraFields<U>,
          { safe: true, request, hashingPriority: attempts },
        );
        return privateJson(201, serializeUser(user));
      } catch (error) {
        if (error instanceof InvalidPasswordException) {
          return detail(400, { code: ErrorCode.REGISTER_INVALID_PASSWORD, reason: error.reason });
        }
        if (error instanceof UserAlreadyExists) {
          return detail(400, ErrorCode.REGISTER_USER_ALREADY_EXISTS);
        }
        throw error;
      }
    },
  };
  return [register];
}
