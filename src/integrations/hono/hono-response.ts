import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import type { HttpResult } from "../../core/http-result.js";
import { closeAfterResponse } from "../../node/close-after-response.js";

const JSON_TYPE = { "content-type": "application/json" } as const;

/** Writes a route's result as Hono's answer. */
export function honoResponse(c: Context, result: HttpResult): Response {
  if (result.closeConnection) closeConnection(c);
  if (result.cookies !== undefined)
    return withCookies(honoResponse(c, { ...result, cookies: undefined }), result.cookies);
  const { status, headers, body, raw } = result;
  if (raw !== undefined) {
    return new Response(raw.data, {
      status,
      headers: { ...headers, "content-type": raw.contentType },
    });
  }
  if (body === undefined) return new Response(null, { status, headers });
  return new Response(JSON.stringify(body), { status, headers: withJsonType(headers) });
}

function withCookies(response: Response, cookies: readonly string[]): Response {
  for (const cookie of cookies) response.headers.append("set-cookie", cookie);
  return response;
}

// Results share their header objects (`no-store`, `retry-after`): each is merged with the JSON
// content type once, not on every request.
const merged = new WeakMap<object, Record<string, string>>();

function withJsonType(headers: Readonly<Record<string, string>> | undefined) {
  if (headers === undefined) return JSON_TYPE;
  let both = merged.get(headers);
  if (both === undefined) {
    both = { ...headers, ...JSON_TYPE };
    merged.set(headers, both);
  }
  return both;
}

/**
 * For an answer sent before the request body is read: on Node's HTTP/1 server
 * (`@hono/node-server`, where `c.env.outgoing` is the `ServerResponse`) the
 * answer says `Connection: close` and the connection closes without a reset.
 * HTTP/2 and other runtimes have no such connection: nothing to do.
 */
function closeConnection(c: Context): void {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (typeof outgoing === "object" && outgoing !== null && "shouldKeepAlive" in outgoing) {
    closeAfterResponse(outgoing as ServerResponse);
  }
}
