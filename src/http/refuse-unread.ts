import type { HttpRequest } from "../core/http-request.js";
import type { HttpResult } from "../core/http-result.js";

/**
 * Largest declared body read and dropped when a request is refused before
 * its body was parsed. A login or registration is far smaller; reading it
 * costs less than the new connection a close would make a flood open.
 */
export const DRAIN_LIMIT = 16 * 1024;

/**
 * The answer to a request refused before its body was read (a rate limit, a
 * full hashing queue). A small declared body is read and dropped so the
 * connection stays open for the client's next request; a large, unsized or
 * unreadable one closes the connection after the answer instead, so no
 * keep-alive client sends on a connection whose body was never read.
 */
export async function refuseUnread(request: HttpRequest, result: HttpResult): Promise<HttpResult> {
  if (request.body.kind === "parsed") return result;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) <= DRAIN_LIMIT) {
    const read = await request.body.read(DRAIN_LIMIT).catch(() => null);
    if (read !== null) return result;
  }
  return { ...result, closeConnection: true };
}
