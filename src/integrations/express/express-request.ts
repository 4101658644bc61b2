import type { IncomingMessage } from "node:http";
import type { HeaderReader, HttpRequest, RequestBody } from "../../core/http-request.js";
import { nodeHeaders } from "../../node/node-headers.js";
import { readLimited } from "../../node/read-limited.js";

const EMPTY = new Uint8Array(0);

/** The slice of an Express request tessera reads (Express 4 and 5 alike). */
export interface ExpressRequestLike extends IncomingMessage {
  body?: unknown;
  originalUrl: string;
  protocol: string;
  params: Record<string, string>;
  get(name: string): string | undefined;
  /** Set by Express 4's body parsers once they read the body. */
  _body?: boolean;
}

/** An Express request as tessera's routes read it. */
export class ExpressRequest implements HttpRequest {
  readonly method: string;
  readonly headers: HeaderReader;
  readonly body: RequestBody;

  constructor(
    private readonly req: ExpressRequestLike,
    body: RequestBody = requestBody(req),
  ) {
    this.method = req.method ?? "GET";
    this.headers = nodeHeaders(req);
    this.body = body;
  }

  get url(): string {
    return `${this.req.protocol}://${this.req.get("host") ?? "localhost"}${this.req.originalUrl}`;
  }

  get peerAddress(): string | undefined {
    return this.req.socket.remoteAddress;
  }
}

/**
 * The body as the app left it: read by its own parser (`express.json()`,
 * `express.urlencoded()`, `express.raw()`…), or still on the socket, to be
 * read with tessera's size cap.
 */
function requestBody(req: ExpressRequestLike): RequestBody {
  const consumed = req._body === true || req.readableEnded;
  if (!consumed) {
    return {
      kind: "raw",
      read: (maxBytes) => readLimited(req, maxBytes, req.headers["content-length"]),
    };
  }
  const { body } = req;
  // An empty body is one, whatever the parser made of it (`express.json()` makes `{}`).
  if (req.headers["content-length"] === "0") return { kind: "raw", read: async () => EMPTY };
  if (typeof body === "string" || body instanceof Uint8Array) {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    return { kind: "raw", read: async (maxBytes) => (bytes.byteLength > maxBytes ? null : bytes) };
  }
  return { kind: "parsed", value: body };
}
