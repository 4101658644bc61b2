import { HttpError } from "../http-error.js";
import type { HttpRequest } from "../http-request.js";
import { type HttpResult, statusDetail } from "../http-result.js";
import { refuseUnread } from "../refuse-unread.js";
import { addressKey, type ClientAddressResolver } from "./client-address.js";
import type { RateLimited, RateLimitedAction, RateLimiter } from "./rate-limiter.js";

/** The process-scoped parts of a `Tessera` that rate limiting reads. */
export interface Limits {
  readonly rateLimiter: RateLimiter | null;
  readonly clientAddresses: ClientAddressResolver;
}

function tooManyRequests(limited: RateLimited): HttpResult {
  return statusDetail(429, { "retry-after": String(limited.retryAfterSeconds) });
}

/**
 * Counts the request against `action`'s per-address limit, before its body
 * is parsed; throws 429 with `Retry-After` when over it (see
 * {@link refuseUnread} for what happens to the body). Returns how many such
 * requests the address made in the window, this one included (0 when limits
 * are off or the address is unknown): the login's hashing priority.
 */
export async function limitAddress(
  limits: Limits,
  request: HttpRequest,
  action: RateLimitedAction,
): Promise<number> {
  const limiter = limits.rateLimiter;
  if (limiter === null || limiter.rule(action, "ip") === null) return 0;
  const client = limits.clientAddresses.resolve(
    request.peerAddress,
    request.headers.get("x-forwarded-for"),
  );
  const { count, limited } = await limiter.count(action, "ip", client && addressKey(client));
  if (limited) throw new HttpError(await refuseUnread(request, tooManyRequests(limited)));
  return count;
}

/** Counts the request against `action`'s per-account limit; throws 429 when over it. */
export async function limitAccount(
  limits: Limits,
  action: RateLimitedAction,
  account: string,
): Promise<void> {
  const limited = await limits.rateLimiter?.hit(action, "account", account);
  if (limited) throw new HttpError(tooManyRequests(limited));
}
