import type { ServerResponse } from "node:http";
import type { HttpResult } from "../core/http-result.js";
import { closeAfterResponse } from "./close-after-response.js";

/**
 * Writes a route's result on a Node `ServerResponse` (what Express hands its
 * handlers): status, headers, and the JSON or raw body, exactly, with no
 * framework defaults added (no ETag, no charset appended to `application/json`).
 */
export function writeResult(res: ServerResponse, result: HttpResult): void {
  if (result.closeConnection) closeAfterResponse(res);
  res.statusCode = result.status;
  if (result.headers)
    for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
  if (result.cookies !== undefined) {
    const earlier = res.getHeader("set-cookie");
    const values =
      earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [String(earlier)];
    res.setHeader("set-cookie", [...values, ...result.cookies]);
  }
  if (result.raw !== undefined) {
    res.setHeader("content-type", result.raw.contentType);
    res.end(result.raw.data);
    return;
  }
  if (result.body === undefined) {
    res.end();
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(result.body));
}
