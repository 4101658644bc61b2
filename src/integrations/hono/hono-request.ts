import { Readable } from "node:stream";
import type { Context } from "hono";
import type { HeaderReader, HttpRequest, RequestBody } from "../../core/http-request.js";
import { readLimited } from "../../node/read-limited.js";

/** A Hono request as tessera's routes read it. Nothing is computed until asked for. */
export class HonoRequest implements HttpRequest {
  readonly method: string;
  readonly headers: HeaderReader;

  constructor(private readonly c: Context) {
    const raw = c.req.raw;
    this.method = raw.method;
    this.headers = raw.headers;
  }

  // A getter: most requests (GET /users/me) never read a body, and build nothing for it.
  get body(): RequestBody {
    const raw = this.c.req.raw;
    return {
      kind: "raw",
      read: (maxBytes) =>
        readLimited(this.#bodySource(), maxBytes, raw.headers.get("content-length")),
    };
  }

  /**
   * Under @hono/node-server, Node's own request stream while nothing has read
   * it: asking for `c.req.raw.body` would first build a web `Request` and its
   * stream, which costs more than a login's whole body.
   */
  #bodySource(): AsyncIterable<Uint8Array> | null {
    const incoming = (this.c.env as { incoming?: unknown } | undefined)?.incoming;
    if (incoming instanceof Readable && !incoming.readableDidRead) return incoming;
    return this.c.req.raw.body as AsyncIterable<Uint8Array> | null;
  }

  get url(): string {
    return this.c.req.url;
  }

  /** The socket's peer under @hono/node-server (`c.env.incoming`); other runtimes give none. */
  get peerAddress(): string | undefined {
    const env = this.c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    return env?.incoming?.socket?.remoteAddress;
  }
}
