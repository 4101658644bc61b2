import { detail } from "../core/http-result.js";
import type { User } from "../core/models.js";
import type { Authentication, CurrentUserOptions, Tessera } from "../tessera.js";
import { HttpError } from "./http-error.js";
import type { RouteCall } from "./route.js";

/** An authentication that found its user. */
export type Authenticated<U extends User<ID>, ID, Ctx> = Extract<
  Authentication<U, ID, Ctx>,
  { token: string }
>;

/**
 * Authenticates a route's request (CSRF included) and answers for it when
 * refused: throws {@link HttpError} with 401 or 403 and the reason as `detail`.
 */
export async function requireUser<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  call: RouteCall<Ctx>,
  options: CurrentUserOptions<U, ID, Ctx>,
): Promise<Authenticated<U, ID, Ctx>> {
  return authenticated(await tessera.authenticate(call.ctx, call.request, options));
}

/**
 * {@link requireUser} at once, when the lookups answer without waiting;
 * `undefined` when the caller must await {@link requireUser}.
 */
export function requireUserNow<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  call: RouteCall<Ctx>,
  options: CurrentUserOptions<U, ID, Ctx>,
): Authenticated<U, ID, Ctx> | undefined {
  const authentication = tessera.authenticateNow(call.ctx, call.request, options);
  return authentication && authenticated(authentication);
}

function authenticated<U extends User<ID>, ID, Ctx>(
  authentication: Authentication<U, ID, Ctx>,
): Authenticated<U, ID, Ctx> {
  if (authentication.token === null) {
    throw new HttpError(
      detail(
        authentication.status === 200 ? 401 : authentication.status,
        authentication.refusal ?? "Unauthorized",
      ),
    );
  }
  return authentication;
}
