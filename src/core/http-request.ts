/** The slice of the Web `Headers` that tessera reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * A request as tessera's routes read it. Each integration adapts its
 * framework's request to it; nothing here depends on a framework.
 */
export interface HttpRequest {
  /** Upper case: `GET`, `POST`… */
  readonly method: string;
  /** The absolute URL the client asked for (its origin is compared with `Origin` for CSRF). */
  readonly url: string;
  /** Header names are looked up case-insensitively. */
  readonly headers: HeaderReader;
  /** The socket's peer address, if the framework knows it (rate limits read it). */
  readonly peerAddress: string | undefined;
  /** Where the body comes from; read through the route call, at most once. */
  readonly body: RequestBody;
}

/**
 * How an integration hands over a request body: the raw bytes, read on
 * demand with a size cap, or a value the app's own body parser already made
 * (Express's `req.body` after `express.json()`).
 */
export type RequestBody =
  | {
      readonly kind: "raw";
      /** The whole body, or `null` as soon as it passes `maxBytes`. */
      read(maxBytes: number): Promise<Uint8Array | null>;
    }
  | {
      readonly kind: "parsed";
      /** What the app's parser produced: an object for JSON and forms. */
      readonly value: unknown;
    };

/** A request without a body (GET and the like, or a guard that never reads it). */
export const NO_BODY: RequestBody = {
  kind: "raw",
  read: async () => new Uint8Array(0),
};
