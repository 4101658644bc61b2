import type { Server, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { closeAfterResponse } from "./close-after-response.js";
import type { LingeringCloseOptions } from "./lingering-close.js";

export interface GracefulShutdownOptions {
  /**
   * How long requests in flight may take to finish once the shutdown starts;
   * connections still open then are destroyed.
   * @default 10000
   */
  graceMs?: number;
  /** Runs once the server is closed, before the shutdown resolves: close database pools here. */
  onShutdown?: () => unknown;
  /**
   * Signals that start the shutdown. With `exit`, another signal while it runs
   * ends the process at once (exit code 128 + the signal's number), unless it
   * repeats the first one within a second: a terminal's Ctrl-C reaches both
   * `npm` and the server, and npm forwards it, so the server gets SIGINT twice.
   * @default ["SIGTERM", "SIGINT"]
   */
  signals?: NodeJS.Signals[];
  /**
   * After a shutdown a signal started, end the process: exit code 0, or 1 if
   * `onShutdown` failed (its error is logged). When false, nothing exits; the
   * process ends when nothing else keeps it alive.
   * @default true
   */
  exit?: boolean;
  /** How connections are closed after their last response. @default {@link lingeringClose}'s defaults */
  linger?: LingeringCloseOptions;
}

/** Starts the shutdown (once: later calls return the same promise); resolves when it is over. */
export type GracefulShutdown = () => Promise<void>;

const REPEATED_SIGNAL_MS = 1_000;
const LATEST_RESPONSE = Symbol("tessera.latestResponse");

/** A connection, and the response to the latest request it carried. */
type TrackedSocket = Socket & { [LATEST_RESPONSE]?: WeakRef<ServerResponse> };
const ACCEPT_DRAIN_MS = 1_000;

/**
 * Shuts a Node HTTP server down without failing a request it accepted. On one
 * of `signals`, or when the returned function is called, it:
 *
 * 1. accepts the connections the kernel already queued, then stops accepting
 *    and closes idle keep-alive connections;
 * 2. lets requests in flight finish, their responses carrying
 *    `Connection: close` so keep-alive clients send nothing more, and closes
 *    each connection after its last response without a reset
 *    ({@link closeAfterResponse});
 * 3. after `graceMs`, destroys the connections still open;
 * 4. runs `onShutdown` (close the database), then resolves; after a signal, the
 *    process exits with code 0.
 *
 * Framework-neutral: works on the `http.Server` of `@hono/node-server`'s
 * `serve()`, Express's `app.listen()` or Fastify's `fastify.server`.
 *
 * @example
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { gracefulShutdown } from "tessera-auth/node";
 *
 * const server = serve({ fetch: app.fetch, port: 8000 });
 * gracefulShutdown(server, { graceMs: 10_000, onShutdown: () => db.destroy() });
 * ```
 */
export function gracefulShutdown(
  server: Server | HttpsServer,
  options: GracefulShutdownOptions = {},
): GracefulShutdown {
  const {
    graceMs = 10_000,
    onShutdown,
    signals = ["SIGTERM", "SIGINT"],
    exit = true,
    linger,
  } = options;
  const sockets = new Set<Socket>();
  let accepted = 0;
  let shuttingDown: Promise<void> | null = null;
  let firstSignal: { signal: NodeJS.Signals; at: number } | null = null;

  server.on("connection", function track(socket: Socket) {
    accepted += 1;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // The sockets requests came on: the TCP sockets above, or on HTTPS their TLS sockets.
  const carriers = new Set<TrackedSocket>();
  // This runs on every request: past a connection's first, no listener, one small object.
  server.prependListener("request", function track(request, response: ServerResponse) {
    if (shuttingDown) return closeAfterResponse(response, linger);
    const socket = request.socket as TrackedSocket;
    if (socket[LATEST_RESPONSE] === undefined) {
      carriers.add(socket);
      socket.once("close", () => carriers.delete(socket));
    }
    // Weakly held: an idle keep-alive connection keeps no finished request (nor its body) alive.
    socket[LATEST_RESPONSE] = new WeakRef(response);
  });

  async function shutDown(): Promise<void> {
    const force = setTimeout(function graceOver() {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }, graceMs);
    // Closing the listening socket resets the connections the kernel has queued
    // but the process has not accepted yet, and closing idle connections cuts
    // off requests not read yet. libuv accepts one connection per turn of the
    // event loop and reads it in the next turn: turn the loop until two turns in
    // a row accept nothing (for at most ACCEPT_DRAIN_MS), so what reached the
    // server before the shutdown is served.
    const draining = performance.now();
    let quietTurns = 0;
    while (quietTurns < 2 && performance.now() - draining < ACCEPT_DRAIN_MS) {
      const before = accepted;
      await new Promise((resolve) => setImmediate(resolve));
      quietTurns = accepted === before ? quietTurns + 1 : 0;
    }
    // A connection's latest response, if not yet written, is the last it will carry: a
    // pipelined connection's earlier responses go out before it.
    for (const socket of carriers) {
      const response = socket[LATEST_RESPONSE]?.deref();
      if (response !== undefined && !response.writableFinished)
        closeAfterResponse(response, linger);
    }
    await new Promise((resolve) => server.close(resolve));
    clearTimeout(force);
    await onShutdown?.();
  }

  function shutdown(): Promise<void> {
    shuttingDown ??= shutDown().finally(() => {
      for (const signal of signals) process.off(signal, onSignal);
    });
    return shuttingDown;
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (!firstSignal) {
      firstSignal = { signal, at: Date.now() };
      const done = shutdown();
      if (exit) {
        done.then(
          () => process.exit(0),
          (error: unknown) => {
            console.error("graceful shutdown failed:", error);
            process.exit(1);
          },
        );
      }
      return;
    }
    if (signal === firstSignal.signal && Date.now() - firstSignal.at < REPEATED_SIGNAL_MS) return;
    if (exit) process.exit(128 + (constants.signals[signal] ?? 0));
  }

  for (const signal of signals) process.on(signal, onSignal);
  return shutdown;
}
