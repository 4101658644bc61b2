import type { Context } from "hono";
import type { HttpRequest, RequestBody } from "../../http/http-request.js";
import { readLimited } from "../../node/read-limited.js";
import type { HeaderReader } from "../../transports/transport.js";

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
        readLimited(
          raw.body as AsyncIterable<Uint8Array> | null,
          maxBytes,
          raw.headers.get("content-length"),
        ),
    };
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
