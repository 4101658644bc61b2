import { DatabaseNotMigrated, DatabaseUnavailableError, ServerBusy } from "../core/errors.js";
import type { HttpRequest } from "../core/http-request.js";
import type { HttpResult } from "../core/http-result.js";
import { statusDetail } from "../core/http-result.js";
import { HttpError } from "./http-error.js";
import { refuseUnread } from "./refuse-unread.js";
import { DEFAULT_MAX_BODY_SIZE, type Route, type RouteCall } from "./route.js";

const RETRY_SOON = { "retry-after": "1" };

/**
 * Runs a route's handler and turns whatever it throws into the contract's
 * answer: an {@link HttpError}'s own result; 503 with `Retry-After` for an
 * unreachable database or a full hashing queue; anything unexpected is
 * logged (without request data) and answered 500 with no internals; a
 * database without tessera's tables is a 500 logged as one line with the fix.
 */
export async function runRoute<Ctx>(route: Route<Ctx>, call: RouteCall<Ctx>): Promise<HttpResult> {
  // A body declared too large is refused before anything else, authentication included.
  if (route.body && declaredLength(call) > (route.maxBodySize ?? DEFAULT_MAX_BODY_SIZE)) {
    return { ...statusDetail(413), closeConnection: true };
  }
  try {
    return await route.handle(call);
  } catch (error) {
    return errorResult(error, `${route.method} ${route.path}`);
  }
}

/**
 * {@link runRoute} at once for a route that can answer without waiting
 * (`handleNow`); `undefined` when it cannot, and {@link runRoute} must.
 */
export function runRouteNow<Ctx>(route: Route<Ctx>, call: RouteCall<Ctx>): HttpResult | undefined {
  // A route with a body goes through runRoute, whose size check comes first.
  if (route.handleNow === undefined || route.body !== undefined) return undefined;
  try {
    return route.handleNow(call);
  } catch (error) {
    return errorResult(error, `${route.method} ${route.path}`);
  }
}

function declaredLength(call: RouteCall<unknown>): number {
  const length = call.request.headers.get("content-length");
  return length === null ? 0 : Number(length);
}

/**
 * 503 before the body is parsed: the password-hashing queue is full, so a
 * login or registration would be refused anyway; refusing it first spares
 * the body parsing and the database lookup a flood would otherwise cost.
 */
export function hashingBusy(request: HttpRequest): Promise<HttpResult> {
  return refuseUnread(request, statusDetail(503, RETRY_SOON));
}

/** The answer for an error thrown while serving a request. */
export function errorResult(error: unknown, where: string): HttpResult {
  if (error instanceof HttpError) return error.result;
  if (error instanceof DatabaseUnavailableError || error instanceof ServerBusy) {
    return statusDetail(503, RETRY_SOON);
  }
  if (error instanceof DatabaseNotMigrated) {
    console.error(`tessera: ${where}: ${error.message}`);
    return statusDetail(500);
  }
  console.error(`tessera: unhandled error on ${where}:`, error);
  return statusDetail(500);
}
