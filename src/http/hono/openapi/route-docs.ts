import type { Hono } from "hono";
import type { Transport } from "../../../transports/transport.js";
import type { BodySpec } from "../validation.js";

/** A JSON Schema (OpenAPI 3.1 dialect). */
export type JsonSchema = Record<string, unknown>;

/** An error body the route may answer: a `detail` code, or `{code, reason}`. */
export type ErrorDetail = string | { code: string; reason: string };

/** One answer of a route. */
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

/** One route of a router, for the OpenAPI document. */
export interface RouteDoc {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Relative to where the router is mounted, with `{param}` templates: `/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: readonly string[];
  /** The backends whose credentials it accepts (any one of them); absent for a public route. */
  security?: readonly DocumentedBackend[];
  /** Path parameters. */
  parameters?: { name: string; description: string; schema: JsonSchema }[];
  /** The request body, from the spec its validator uses. */
  body?: { type: "json" | "form"; name: string; spec: BodySpec };
  /**
   * The answers by status. 413 and 422 (routes with a body), 401 and the CSRF
   * 403 (routes with security) and 503 are added by the document generator.
   */
  responses: Record<number, ResponseDoc>;
}

const docs = new WeakMap<Hono, readonly RouteDoc[]>();

/**
 * Attaches route descriptions to a router so `openApiDocument` can list it
 * wherever it is mounted. Returns the router.
 *
 * @example
 * const health = describeRoutes(new Hono().get("/health", (c) => c.json({ ok: true })), [
 *   { method: "get", path: "/health", operationId: "health", summary: "Health check",
 *     responses: { 200: { description: "Up", schema: { type: "object" } } } },
 * ]);
 */
export function describeRoutes<H extends Hono>(router: H, routes: readonly RouteDoc[]): H {
  docs.set(router, [...(docs.get(router) ?? []), ...routes]);
  return router;
}

/** The routes described on a router (none if it was never described). */
export function routeDocsOf(router: Hono): readonly RouteDoc[] {
  return docs.get(router) ?? [];
}
