/**
 * What a route answers, whatever the framework: each integration writes it
 * back as its framework does. `body` is JSON (`undefined` for an empty body);
 * `raw` is a body that is not JSON (the docs page and its assets).
 */
export interface HttpResult {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** More `Set-Cookie` header values, sent after any `set-cookie` in `headers`. */
  readonly cookies?: readonly string[];
  readonly body?: unknown;
  readonly raw?: { readonly contentType: string; readonly data: string | Uint8Array };
  /**
   * Close the connection after this answer (`Connection: close`, without a
   * reset): it was sent before the request's body was read.
   */
  readonly closeConnection?: boolean;
}

const NO_STORE = { "cache-control": "no-store" } as const;

/** A JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string>): HttpResult {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** A JSON answer carrying user data or a token: never cached (`Cache-Control: no-store`). */
export function privateJson(status: number, body: unknown): HttpResult {
  return { status, body, headers: NO_STORE };
}

/** 204, empty body, no content type. */
export function noContent(headers?: Record<string, string>): HttpResult {
  return headers === undefined ? { status: 204 } : { status: 204, headers };
}

/** The contract's error body: `{"detail": <code or object>}`. */
export function detail(
  status: number,
  value: string | Record<string, unknown>,
  headers?: Record<string, string>,
): HttpResult {
  return json(status, { detail: value }, headers);
}

const PHRASES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The phrase FastAPI puts in `detail` for a bare status. */
export function phrase(status: number): string {
  return PHRASES[status] ?? "Error";
}

/** A bare status in the contract's shape: `{"detail": "Not Found"}`. */
export function statusDetail(status: number, headers?: Record<string, string>): HttpResult {
  return detail(status, phrase(status), headers);
}

/** The contract's 404, for unknown paths and ids. */
export const NOT_FOUND = statusDetail(404);
