import type { Context, MiddlewareHandler } from "hono";
import { addressKey, type ClientAddressResolver } from "../rate-limit/client-address.js";
import type { RateLimited, RateLimitedAction, RateLimiter } from "../rate-limit/rate-limiter.js";
import { closeConnection } from "./body.js";
import { detail, phrase } from "./responses.js";

/** The process-scoped parts of a `Tessera` that rate limiting reads. */
interface Limits {
  readonly rateLimiter: RateLimiter | null;
  readonly clientAddresses: ClientAddressResolver;
}

/** The socket's peer address under @hono/node-server (`c.env.incoming`), if any. */
function peerAddress(c: Context): string | undefined {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
    ?.socket?.remoteAddress;
}

/** 429 in the contract's shape, with `Retry-After`. */
export function tooManyRequests(c: Context, limited: RateLimited): Response {
  c.header("retry-after", String(limited.retryAfterSeconds));
  return detail(c, 429, phrase(429));
}

/**
 * Counts the request against `action`'s per-address limit before its body is
 * read, and answers 429 when over it. Does nothing when limits are off.
 */
export function limitByAddress(tessera: Limits, action: RateLimitedAction): MiddlewareHandler {
  return async function limitByAddress(c, next) {
    const limiter = tessera.rateLimiter;
    if (limiter?.rule(action, "ip")) {
      const client = tessera.clientAddresses.resolve(
        peerAddress(c),
        c.req.header("x-forwarded-for") ?? null,
      );
      const limited = await limiter.hit(action, "ip", client && addressKey(client));
      if (limited) {
        // Refused before its body is read: close the connection rather than wait for the body.
        closeConnection(c);
        return tooManyRequests(c, limited);
      }
    }
    await next();
  };
}

/** Counts the request against `action`'s per-account limit; the 429 to send, or `null`. */
export async function limitByAccount(
  c: Context,
  tessera: Limits,
  action: RateLimitedAction,
  account: string,
): Promise<Response | null> {
  const limited = await tessera.rateLimiter?.hit(action, "account", account);
  return limited ? tooManyRequests(c, limited) : null;
}
