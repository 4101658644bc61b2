import type { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { closeAfterResponse } from "../../node/close-after-response.js";
import { detail, MalformedBody, phrase } from "./responses.js";
import {
  type BodyOf,
  type BodySpec,
  decodeJsonBody,
  type Validated,
  validateFields,
} from "./validation.js";

/** Default cap on request bodies: far above any legitimate auth request. */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024;

/**
 * Refuses bodies over `maxSize` bytes with a 413 before reading them whole, and
 * closes the connection without a reset ({@link closeConnection}).
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: function tooLarge(c) {
      closeConnection(c);
      return detail(c, 413, phrase(413));
    },
  });
}

/**
 * For an answer sent before the request body is read: on Node's HTTP/1 server
 * (`@hono/node-server`), the response says `Connection: close`, so a keep-alive
 * client still uploading sends nothing more on the connection, and the
 * connection is closed the lingering way, so the client reads the answer
 * instead of a reset (see `closeAfterResponse` in `tessera/node`). Elsewhere
 * (HTTP/2, other runtimes) it does nothing.
 */
export function closeConnection(c: Context): void {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  // HTTP/2's response has no shouldKeepAlive: it has no connection of its own to close.
  if (typeof outgoing === "object" && outgoing !== null && "shouldKeepAlive" in outgoing) {
    closeAfterResponse(outgoing as ServerResponse);
  }
}

/** Reads and validates a JSON body. */
export async function readJson<S extends BodySpec>(
  c: Context,
  spec: S,
): Promise<Validated<BodyOf<S>>> {
  const decoded = decodeJsonBody(c.req.header("content-type"), await c.req.text());
  return decoded.ok ? validateFields(spec, decoded.data) : decoded;
}

const FORM_TYPES = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

/**
 * Reads and validates an urlencoded or multipart form. Any other content type
 * reads as an empty form, so its fields are reported missing (FastAPI's answer).
 */
export async function readForm<S extends BodySpec>(
  c: Context,
  spec: S,
): Promise<Validated<BodyOf<S>>> {
  let fields: Record<string, unknown> = {};
  if (FORM_TYPES.test(c.req.header("content-type") ?? "")) {
    try {
      fields = await c.req.parseBody();
    } catch (error) {
      throw new MalformedBody("There was an error parsing the body", { cause: error });
    }
  }
  return validateFields(spec, fields);
}
