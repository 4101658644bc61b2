import { ErrorCode } from "../../core/errors.js";
import type { DocumentedBackend, JsonSchema, ResponseDoc, Route, RouteGroup } from "../route.js";
import { bodySchema, SHARED_SCHEMAS } from "./json-schema.js";

/** A route group and the prefix it is mounted at. */
export type Mount<Ctx = unknown> = readonly [prefix: string, routes: RouteGroup<Ctx>];

export interface OpenApiDocumentOptions {
  /** @default "tessera" */
  title?: string;
  /** The API's version. @default "0.1.0" */
  version?: string;
  description?: string;
  /** Each route group and where it is mounted. Routes without `doc` are left out. */
  mounts: readonly Mount[];
  /** The schema of a user in answers, if `serializeUser` was changed. @default UserRead */
  userSchema?: JsonSchema;
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The OpenAPI 3.1 document of the mounted route groups, from the same
 * declarations the routes run with: every route, body (from the specs its
 * validator uses), answer and `detail` code.
 *
 * @example
 * const document = openApiDocument({ title: "My API", mounts: [["/auth", authRoutes(tessera, bearer)]] });
 */
export function openApiDocument(options: OpenApiDocumentOptions): Record<string, unknown> {
  const { title = "tessera", version = "0.1.0", description, mounts, userSchema } = options;
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, JsonSchema> = { ...SHARED_SCHEMAS };
  const securitySchemes: Record<string, unknown> = {};

  for (const [prefix, routes] of mounts) {
    for (const route of routes) {
      if (!route.doc) continue;
      const path = joinPath(prefix, route.path);
      if (route.body) schemas[route.body.name] = bodySchema(route.body.spec, route.body.name);
      Object.assign(schemas, route.doc.schemas);
      for (const backend of route.doc.security ?? []) {
        const scheme = backend.transport.openApiSecurityScheme?.();
        if (scheme) securitySchemes[backend.name] = scheme;
      }
      paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
    }
  }
  if (userSchema) schemas.UserRead = userSchema;
  return {
    openapi: "3.1.0",
    info: { title, version, ...(description === undefined ? {} : { description }) },
    paths,
    components: { schemas, securitySchemes },
  };
}

function operation(route: Route<unknown>): Record<string, unknown> {
  const doc = route.doc as NonNullable<Route["doc"]>;
  const op: Record<string, unknown> = {
    tags: doc.tags,
    summary: doc.summary,
    description: doc.description,
    operationId: doc.operationId,
  };
  if (doc.parameters || doc.query) {
    op.parameters = [
      ...(doc.parameters ?? []).map((p) => ({ ...p, in: "path", required: true })),
      ...(doc.query ?? []).map((p) => ({ ...p, in: "query", required: p.required ?? false })),
    ];
  }
  if (route.body) {
    const schema = { $ref: `#/components/schemas/${route.body.name}` };
    const types = route.body.type === "json" ? ["application/json"] : FORM_TYPES;
    op.requestBody = {
      required: true,
      content: Object.fromEntries(types.map((type) => [type, { schema }])),
    };
  }
  const documented = (doc.security ?? []).filter((b) => b.transport.openApiSecurityScheme);
  if (documented.length > 0) op.security = documented.map((b) => ({ [b.name]: [] }));
  const responses = Object.entries(withStandardResponses(route)).sort(([a], [b]) => +a - +b);
  op.responses = Object.fromEntries(
    responses.map(([status, answer]) => [status, response(answer)]),
  );
  return Object.fromEntries(Object.entries(op).filter(([, value]) => value !== undefined));
}

const RETRY_AFTER = { "retry-after": { description: "Seconds", schema: { type: "integer" } } };

/** The route's own answers plus those every route of its kind gives. */
function withStandardResponses(route: Route<unknown>): Record<number, ResponseDoc> {
  const doc = route.doc as NonNullable<Route["doc"]>;
  const responses: Record<number, ResponseDoc> = { ...doc.responses };
  const add = (status: number, answer: ResponseDoc) => {
    const known = responses[status];
    responses[status] = known
      ? {
          ...known,
          description: `${known.description}; or ${answer.description.toLowerCase()}`,
          details: [...(known.details ?? []), ...(answer.details ?? [])],
        }
      : answer;
  };
  if (doc.security) {
    add(401, { description: "No valid token, or an inactive user", details: ["Unauthorized"] });
    if (route.method !== "GET" && doc.security.some(checksOrigin)) {
      add(403, {
        description: "A cookie-authenticated request from an untrusted origin (CSRF)",
        details: [ErrorCode.CSRF_ORIGIN_NOT_TRUSTED, ErrorCode.CSRF_CROSS_SITE_REQUEST],
      });
    }
  }
  if (route.body) {
    add(413, {
      description: "The body is over the size limit",
      details: ["Request Entity Too Large"],
    });
    responses[422] = {
      description: "Validation error",
      schema: { $ref: "#/components/schemas/HTTPValidationError" },
    };
  }
  if (route.rateLimit) {
    add(429, {
      description:
        "Too many requests from this address or for this account; retry after the given seconds",
      details: ["Too Many Requests"],
      headers: RETRY_AFTER,
    });
  }
  add(503, {
    description:
      "The database is unavailable, or the server too busy; retry after the given seconds",
    details: ["Service Unavailable"],
    headers: RETRY_AFTER,
  });
  return responses;
}

function checksOrigin(backend: DocumentedBackend): boolean {
  return typeof backend.transport.checkRequestOrigin === "function";
}

function response(doc: ResponseDoc): Record<string, unknown> {
  const out: Record<string, unknown> = { description: doc.description };
  if (doc.headers) out.headers = doc.headers;
  if (doc.details && doc.details.length > 0) {
    const examples = Object.fromEntries(
      doc.details.map((detail) => {
        const name = typeof detail === "string" ? detail : detail.code;
        return [name, { summary: name, value: { detail } }];
      }),
    );
    out.content = {
      "application/json": { schema: { $ref: "#/components/schemas/ErrorModel" }, examples },
    };
  } else if (doc.schema) {
    out.content = { "application/json": { schema: doc.schema } };
  }
  return out;
}

/** `prefix` and a route's path as one path: `/auth` + `/login`. */
export function joinPath(prefix: string, path: string): string {
  const joined = `/${prefix}/${path}`.replace(/\/{2,}/g, "/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}
