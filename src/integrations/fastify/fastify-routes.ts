import type { RouteGroup } from "../../http/route.js";
import { RouteTable } from "../../http/route-table.js";
import { errorResult } from "../../http/run-route.js";
import { type FastifyReplyLike, sendResult } from "./fastify-reply.js";
import { FastifyRequest, type FastifyRequestLike } from "./fastify-request.js";

/** The slice of a Fastify instance the plugin uses (Fastify 4 and 5 alike). */
export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    contentType: string,
    parser: (
      request: unknown,
      payload: unknown,
      done: (error: Error | null, body?: unknown) => void,
    ) => void,
  ): void;
  route(options: {
    method: string[];
    url: string;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => unknown;
  }): unknown;
  setErrorHandler(
    handler: (error: unknown, request: FastifyRequestLike, reply: FastifyReplyLike) => unknown,
  ): unknown;
}

type Params = Record<string, string | undefined>;

/** The methods tessera's patterns answer (HEAD comes with GET; others answer 405 or 404). */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * A group of tessera's routes as a Fastify plugin (4 and 5), to register with
 * a prefix. It is encapsulated: inside it no content type is parsed by
 * Fastify (tessera reads the body itself, with its own cap), and the app's
 * own parsers and routes are left as they are; paths it does not serve get
 * Fastify's own 404.
 *
 * @example
 * await app.register(fastifyRoutes(authRoutes(tessera, bearer)), { prefix: "/auth" });
 * await app.register(fastifyRoutes(usersRoutes(tessera)), { prefix: "/users" });
 */
export function fastifyRoutes(group: RouteGroup<FastifyRequestLike>) {
  const table = new RouteTable(group);
  return async function tesseraRoutes(instance: FastifyInstanceLike): Promise<void> {
    instance.removeAllContentTypeParsers();
    // Any body is left unread on the socket; a route reads it if and when it needs it.
    instance.addContentTypeParser("*", function leaveUnread(_request, _payload, done) {
      done(null);
    });
    instance.setErrorHandler(function tesseraErrors(error, request, reply) {
      return sendResult(reply, errorResult(error, `${request.method} ${request.url}`));
    });
    for (const pattern of table.patterns) {
      instance.route({
        method: METHODS,
        url: pattern,
        // Not async: an answer given at once is sent at once, with no promise, and nothing is
        // returned. An awaited answer returns the reply, a thenable that settles once the
        // response is written: Fastify would otherwise send again while onSend hooks still run.
        handler(request, reply) {
          const served = table.serve(
            pattern,
            request.params as Params,
            new FastifyRequest(request),
            request,
          );
          if (served === null) {
            reply.callNotFound();
          } else if (served instanceof Promise) {
            return served.then((result) => sendResult(reply, result));
          } else {
            sendResult(reply, served);
          }
        },
      });
    }
  };
}
