import { DatabaseUnavailableError } from "../../core/errors.js";
import { DatabaseTimeoutError } from "../kysely/database-timeout-error.js";
import { errorMessage, isNetworkError } from "../kysely/driver-errors.js";

/** How long a Redis call may take before the request answers 503. @default 1000 */
export const REDIS_TIMEOUT_MS = 1000;

/**
 * ioredis' connection states in which a command cannot be sent: the socket
 * closed and the client waits to reconnect, or the client was ended.
 */
const DOWN = new Set(["reconnecting", "close", "end"]);

/**
 * Runs a Redis call so that any client answers in bounded time: a client
 * known to be disconnected (ioredis' `status`) fails at once, a call that
 * gets no answer in `timeoutMs` fails then, and both, like a refused or lost
 * connection, become {@link DatabaseUnavailableError} (the HTTP layer answers
 * 503). ioredis reconnects on its own, so the next call after Redis returns
 * works. A client that queues commands while offline (ioredis' default) may
 * still run a timed-out command once Redis is back: `connectRedis` turns that
 * queue off.
 */
export async function guard<T>(
  client: object,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  const status = (client as { status?: unknown }).status;
  if (typeof status === "string" && DOWN.has(status)) {
    throw new DatabaseUnavailableError({ cause: new Error(`Redis is not connected (${status})`) });
  }
  let running: Promise<T>;
  try {
    running = call();
  } catch (error) {
    throw guarded(error);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError("statement", timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([running, timedOut]);
  } catch (error) {
    // The call may still settle after the timeout: its failure is this one, already answered.
    running.catch(() => {});
    throw guarded(error);
  } finally {
    clearTimeout(timer);
  }
}

/** The error {@link guard} throws for `error`: a {@link DatabaseUnavailableError} or itself. */
export function guarded(error: unknown): unknown {
  return isRedisUnavailable(error) ? new DatabaseUnavailableError({ cause: error }) : error;
}

/** What ioredis says when a command cannot reach the server, and Redis' own "not now" replies. */
const UNAVAILABLE_MESSAGES =
  /^(Connection is closed\.|Stream isn't writeable|Reached the max retries per request limit|Command timed out|(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN) )/;

function isRedisUnavailable(error: unknown): boolean {
  return (
    error instanceof DatabaseTimeoutError ||
    error instanceof DatabaseUnavailableError ||
    isNetworkError(error) ||
    UNAVAILABLE_MESSAGES.test(errorMessage(error))
  );
}
