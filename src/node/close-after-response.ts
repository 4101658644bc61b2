import type { ServerResponse } from "node:http";
import { type LingeringCloseOptions, lingeringClose } from "./lingering-close.js";

/**
 * Makes `res` the last response of its connection: it goes out with
 * `Connection: close`, so a keep-alive client sends nothing more on that
 * connection, and once it is written the connection is closed the lingering
 * way ({@link lingeringClose}), so the client reads the whole response even if
 * it is still sending a request body the server will never read. Called after
 * the headers went out, it can no longer announce the close: it closes the
 * connection the same way once the response is written.
 *
 * Framework-neutral: `res` is Node's `ServerResponse` (Express's `res`,
 * Fastify's `reply.raw`, `c.env.outgoing` in Hono on `@hono/node-server`).
 *
 * @example
 * ```ts
 * import { closeAfterResponse } from "tessera-auth/node";
 *
 * if (Number(req.headers["content-length"]) > limit) {
 *   closeAfterResponse(res);
 *   res.writeHead(413, { "content-type": "application/json" });
 *   res.end('{"detail":"Request Entity Too Large"}');
 * }
 * ```
 */
export function closeAfterResponse(res: ServerResponse, options?: LingeringCloseOptions): void {
  const socket = res.req.socket;
  if (res.headersSent) {
    if (res.writableFinished) lingeringClose(socket, options);
    else res.once("finish", () => lingeringClose(socket, options));
    return;
  }
  res.shouldKeepAlive = false;
  // Node's HTTP server calls destroySoon() once a `Connection: close` response
  // is written, which would destroy the socket the moment its FIN is sent.
  socket.destroySoon = function lingerInstead() {
    lingeringClose(socket, options);
  };
}
