import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DatabaseUnavailableError, ServerBusy } from "../../errors.js";
import type { ValidationErrorItem } from "./validation.js";

/** A form body that cannot be parsed (400, as Starlette answers). */
export class MalformedBody extends Error {}

/** The contract's error body: `{"detail": <code or object>}`. */
export function detail(
  c: Context,
  status: ContentfulStatusCode,
  value: string | Record<string, unknown>,
): Response {
  return c.json({ detail: value }, status);
}

/**
 * A JSON answer that carries user data: `Cache-Control: no-store`, so no
 * browser or proxy cache keeps it.
 */
export function privateJson(
  c: Context,
  body: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  c.header("cache-control", "no-store");
  return c.json(body, status);
}

/** A 422 with pydantic-shaped errors. */
export function validationError(c: Context, errors: ValidationErrorItem[]): Response {
  return c.json({ detail: errors }, 422);
}

/** 204, empty body, no content type. */
export function noContent(): Response {
  return new Response(null, { status: 204 });
}

const PHRASES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The phrase FastAPI puts in `detail` for a bare status. */
export function phrase(status: number): string {
  return PHRASES[status] ?? "Error";
}

/** `app.notFound(notFound)`: the contract's 404. */
export function notFound(c: Context): Response {
  return detail(c, 404, "Not Found");
}

/** A handler answering 405 with the `Allow` header of a path's methods. */
export function methodNotAllowed(methods: string[]) {
  const allow = (methods.includes("GET") ? [...methods, "HEAD"] : methods).join(", ");
  return function methodNotAllowed(c: Context): Response {
    c.header("allow", allow);
    return detail(c, 405, "Method Not Allowed");
  };
}

/**
 * `app.onError(handleError)`: every error becomes a contract-shaped JSON answer.
 * An unreachable database is a 503 the client may retry; anything unexpected is
 * logged (without request data) and answered 500 with no internals.
 */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return detail(c, status, phrase(status));
  }
  if (error instanceof MalformedBody) return detail(c, 400, error.message);
  if (error instanceof DatabaseUnavailableError || error instanceof ServerBusy) {
    c.header("retry-after", "1");
    return detail(c, 503, phrase(503));
  }
  console.error(`tessera: unhandled error on ${c.req.method} ${c.req.path}:`, error);
  return detail(c, 500, phrase(500));
}

/**
 * A handler that answers its own errors as {@link handleError} does. Cheaper per
 * request than a router's `onError`, which Hono applies by composing a
 * middleware chain around every handler: used on the users router, whose
 * `GET /me` is on every page load.
 */
export function answeringErrors(handler: (c: Context) => Promise<Response>) {
  return async function answeringErrors(c: Context): Promise<Response> {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof Error) return handleError(error, c);
      throw error;
    }
  };
}
