import type { IncomingMessage } from "node:http";
import type { HeaderReader, HttpRequest, RequestBody } from "../../core/http-request.js";
import { nodeHeaders } from "../../node/node-headers.js";
import { readLimited } from "../../node/read-limited.js";

/** The slice of a Fastify request tessera reads (Fastify 4 and 5 alike). */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly method: string;
  readonly url: string;
  readonly protocol: string;
  readonly params: unknown;
}

/** A Fastify request as tessera's routes read it. */
export class FastifyRequest implements HttpRequest {
  readonly method: string;
  readonly headers: HeaderReader;
  readonly body: RequestBody;

  constructor(private readonly request: FastifyRequestLike) {
    const raw = request.raw;
    this.method = request.method;
    this.headers = nodeHeaders(raw);
    // tessera's routes parse no content type with Fastify: the stream is read here, with the route's cap.
    this.body = {
      kind: "raw",
      read: (maxBytes) => readLimited(raw, maxBytes, raw.headers["content-length"]),
    };
  }

  get url(): string {
    return `${this.request.protocol}://${this.request.raw.headers.host ?? "localhost"}${this.request.url}`;
  }

  get peerAddress(): string | undefined {
    return this.request.raw.socket.remoteAddress;
  }
}
