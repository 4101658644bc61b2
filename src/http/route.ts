import type { HttpRequest } from "../core/http-request.js";
import type { HttpResult } from "../core/http-result.js";
import type { Tessera } from "../tessera.js";
import type { Transport } from "../transports/transport.js";
import type { RateLimitedAction } from "./rate-limit/rate-limiter.js";
import type { BodySpec } from "./validation.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A JSON Schema (OpenAPI 3.1 dialect). */
export type JsonSchema = Record<string, unknown>;

/** An error body a route may answer: a `detail` code, or `{code, reason}`. */
export type ErrorDetail = string | { code: string; reason: string };

/** One answer of a route, for the OpenAPI document. */
export interface ResponseDoc {
  description: string;
  /** The JSON body's schema; absent for an empty body (204). */
  schema?: JsonSchema;
  /** For errors: every `detail` this status answers with (shown as examples). */
  details?: ErrorDetail[];
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/** What a route needs of a backend to document it: its name and transport. */
export interface DocumentedBackend {
  readonly name: string;
  readonly transport: Transport;
}

/** A route's request body: where its fields come from, and the spec that validates them. */
export interface BodyDeclaration<S extends BodySpec = BodySpec> {
  readonly type: "json" | "form";
  /** The schema's name in the OpenAPI document. */
  readonly name: string;
  readonly spec: S;
}

/** How a route is described in the OpenAPI document. */
export interface RouteDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Path parameters. */
  readonly parameters?: readonly { name: string; description: string; schema: JsonSchema }[];
  /** Query parameters. */
  readonly query?: readonly {
    name: string;
    description: string;
    schema: JsonSchema;
    required?: boolean;
  }[];
  /** The backends whose credentials it accepts (any one of them); absent for a public route. */
  readonly security?: readonly DocumentedBackend[];
  /**
   * The answers by status. 413 and 422 (routes with a body), 401 and the CSRF
   * 403 (routes with security), 429 (rate-limited routes) and 503 are added
   * by the document generator.
   */
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Named schemas its answers refer to (`UserRead` with the app's custom user fields). */
  readonly schemas?: Readonly<Record<string, JsonSchema>>;
}

/** What a route's handler gets: the request, the framework's context, the path parameters. */
export interface RouteCall<Ctx = unknown> {
  readonly request: HttpRequest;
  /** The framework's own context (Hono's `Context`, Express's `req`, Fastify's request). */
  readonly ctx: Ctx;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * One HTTP route, declared once: method, path, body, documentation and the
 * handler. Routing, body validation and the OpenAPI document all read this
 * declaration; integrations only adapt requests and results.
 */
export interface Route<Ctx = unknown, S extends BodySpec = BodySpec> {
  readonly method: HttpMethod;
  /** Relative to where its group is mounted, with `{param}` templates: `/{id}`. */
  readonly path: string;
  /** Absent for routes kept out of the document (the docs page's own assets). */
  readonly doc?: RouteDoc;
  /** The request body the handler reads (through `readBody`); also documented. */
  readonly body?: BodyDeclaration<S>;
  /** Bodies over this many bytes answer 413. */
  readonly maxBodySize?: number;
  /** The rate-limited action this route is, for the document's 429. */
  readonly rateLimit?: RateLimitedAction;
  handle(call: RouteCall<Ctx>): Promise<HttpResult>;
  /**
   * The answer at once, when the route can give it without waiting (its
   * lookups answered at once: see {@link Tessera.authenticateNow});
   * `undefined` sends the request to {@link handle}. Only for routes without
   * a body (one with a body is always sent to {@link handle}). May throw what
   * {@link handle} would reject with.
   */
  handleNow?(call: RouteCall<Ctx>): HttpResult | undefined;
}

/** A group of routes mounted together under one prefix (`/auth`, `/users`). */
export type RouteGroup<Ctx = unknown> = readonly Route<Ctx>[];

/** Default cap on request bodies: far above any legitimate auth request. */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024;
