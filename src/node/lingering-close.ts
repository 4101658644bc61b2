import type { Socket } from "node:net";

export interface LingeringCloseOptions {
  /** Longest time to keep reading after the half-close; then the socket is destroyed. @default 5000 */
  timeoutMs?: number;
  /** Most bytes to read and discard after the half-close; past them the socket is destroyed. @default 16777216 (16 MiB) */
  maxBytes?: number;
}

const LINGERING = Symbol("tessera.lingering");

/**
 * Closes a connection without resetting it: sends what is queued, half-closes
 * (FIN), then reads and discards whatever the peer still sends until the peer
 * closes its side, `timeoutMs` passes or `maxBytes` arrive, and only then
 * destroys the socket. Destroying a socket with unread bytes makes the kernel
 * answer with a reset, and a reset can discard a response the peer has not read
 * yet (a 413 sent while the client is still uploading, say): this is the
 * "lingering close" of RFC 9112 §9.6, Apache and nginx.
 *
 * From the call on, the socket's bytes go nowhere else: an HTTP server's parser
 * no longer sees them, so nothing sent after the last response is processed.
 * Later `destroySoon()` calls (Node's HTTP server after a `Connection: close`
 * response, body drains of framework adapters) are ignored. Calling it twice is
 * harmless.
 *
 * @example
 * ```ts
 * import { lingeringClose } from "tessera-auth/node";
 *
 * socket.write("HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
 * lingeringClose(socket, { timeoutMs: 2_000 });
 * ```
 */
export function lingeringClose(socket: Socket, options: LingeringCloseOptions = {}): void {
  const { timeoutMs = 5_000, maxBytes = 16 * 1024 * 1024 } = options;
  const marked = socket as Socket & { [LINGERING]?: true };
  if (socket.destroyed || marked[LINGERING]) return;
  marked[LINGERING] = true;
  socket.destroySoon = function lingering() {};

  const destroy = () => socket.destroy();
  const timer = setTimeout(destroy, timeoutMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.on("error", destroy);
  // Runs before an HTTP server's own end handler, which would report the cut-off
  // body as a parse error ("clientError") if the socket were still open.
  socket.prependListener("end", function peerDone() {
    if (socket.writableFinished) destroy();
    else socket.once("finish", destroy);
  });

  // Node's HTTP server feeds its parser from "data" (or straight from the handle
  // until a "data" listener is added): removing the listeners unplugs the parser.
  socket.removeAllListeners("data");
  let received = 0;
  socket.on("data", function discard(chunk: Buffer) {
    received += chunk.length;
    if (received > maxBytes) destroy();
  });
  socket.end();
  socket.resume();
  // Node's HTTP server stops the handle itself when a request body is not read
  // (backpressure), behind the back of the socket's stream: resume() cannot undo
  // that stop, and reading must go on for the peer's bytes to drain.
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (handle && handle.reading === false) {
    handle.reading = true;
    handle.readStart();
  }
}

/** The slice of libuv's stream handle (`socket._handle`) Node's HTTP server pauses. */
interface StreamHandle {
  reading: boolean;
  readStart(): number;
}
