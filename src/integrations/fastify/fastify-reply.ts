import type { ServerResponse } from "node:http";
import type { HttpResult } from "../../core/http-result.js";
import { closeAfterResponse } from "../../node/close-after-response.js";

/** The slice of a Fastify reply tessera writes to (Fastify 4 and 5 alike). */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
  callNotFound(): void;
}

/** Sends a route's result through Fastify's reply (its hooks still run). */
export function sendResult(reply: FastifyReplyLike, result: HttpResult): FastifyReplyLike {
  if (result.closeConnection) closeAfterResponse(reply.raw);
  reply.code(result.status);
  if (result.headers)
    for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
  // Fastify adds each `set-cookie` to those already set rather than replacing them.
  for (const cookie of result.cookies ?? []) reply.header("set-cookie", cookie);
  if (result.raw !== undefined) {
    return reply.header("content-type", result.raw.contentType).send(Buffer.from(result.raw.data));
  }
  if (result.body === undefined) return reply.send();
  // A Buffer, not a string: Fastify would append `; charset=utf-8` to a string's content type.
  return reply
    .header("content-type", "application/json")
    .send(Buffer.from(JSON.stringify(result.body)));
}
