import type { HttpRequest } from "../../core/http-request.js";
import { type HttpResult, statusDetail } from "../../core/http-result.js";
import { HttpError } from "../http-error.js";
import { refuseUnread } from "../refuse-unread.js";
import { addressKey, type ClientAddressResolver } from "./client-address.js";
import type { DeviceCookies, KnownDevice } from "./device-cookies.js";
import type { RateLimited, RateLimitedAction, RateLimiter } from "./rate-limiter.js";

/** The process-scoped parts of a `Tessera` that rate limiting reads. */
export interface Limits {
  readonly rateLimiter: RateLimiter | null;
  readonly clientAddresses: ClientAddressResolver;
  readonly deviceCookies: DeviceCookies | null;
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

/**
 * Counts the request against `action`'s per-account limit once more, under
 * the user the database found for the address (by id), so every spelling it
 * matches as that user counts on one counter, whatever its collation ignores
 * or folds; an address that found no one counts under its own key (the same
 * work either way). Throws 429 when over it.
 */
export function limitFoundAccount(
  limits: Limits,
  action: RateLimitedAction,
  account: string,
  user: { readonly id: unknown } | null,
): Promise<void> {
  return limitAccount(limits, action, user === null ? `none:${account}` : `id:${String(user.id)}`);
}

/**
 * Counts a login against the account's limit, or, when the request presents
 * a valid device cookie for the account, against that device's own limit
 * (so wrong passwords from elsewhere do not shut the owner's devices out).
 * Throws 429 when over the limit counted; returns the device, if any.
 */
export async function limitLogin(
  limits: Limits,
  request: HttpRequest,
  account: string,
): Promise<KnownDevice | null> {
  const counted = limits.rateLimiter?.rule("login", "device") ?? null;
  const known =
    counted === null ? null : (limits.deviceCookies?.read(request.headers, account) ?? null);
  if (known === null) {
    await limitAccount(limits, "login", account);
    return null;
  }
  const limited = await limits.rateLimiter?.hit("login", "device", `${account}\0${known.device}`);
  if (limited) throw new HttpError(tooManyRequests(limited));
  return known;
}
