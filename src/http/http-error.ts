import type { HttpResult } from "../core/http-result.js";

/**
 * Thrown by a step of a route (authentication, body reading, rate limits)
 * to end the request with this answer. The route runner catches it.
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly result: HttpResult,
    options?: { cause?: unknown },
  ) {
    super(`HTTP ${result.status}`, options);
  }
}
