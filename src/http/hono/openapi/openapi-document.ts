import type { Hono } from "hono";
import { ErrorCode } from "../../../errors.js";
import { bodySchema, SHARED_SCHEMAS } from "./json-schema.js";
import {
  type DocumentedBackend,
  type JsonSchema,
  type ResponseDoc,
  type RouteDoc,
  routeDocsOf,
} from "./route-docs.js";

export interface OpenApiDocumentOptions {
  /** @default "tessera" */
  title?: string;
  /** The API's version. @default "0.1.0" */
  version?: string;
  description?: string;
  /**
   * Each router and where it is mounted, as given to `app.route(prefix, router)`.
   * Routers without descriptions (see `describeRoutes`) are skipped.
   */
  mounts: readonly (readonly [prefix: string, router: Hono])[];
  /** The schema of a user in answers, if `serializeUser` was changed. @default UserRead */
  userSchema?: JsonSchema;
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The OpenAPI 3.1 document of the mounted routers, from the same field specs
 * their validators use and the descriptions they carry: every route, body,
 * answer and `detail` code.
 *
 * @example
 * const mounts = [["/auth", authRouter(tessera, bearer)], ["/users", usersRouter(tessera)]] as const;
 * for (const [prefix, router] of mounts) app.route(prefix, router);
 * app.route("/", apiDocsRouter(openApiDocument({ title: "My API", mounts })));
 */
export function openApiDocument(options: OpenApiDocumentOptions): Record<string, unknown> {
  const { title = "tessera", version = "0.1.0", description, mounts, userSchema } = options;
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, JsonSchema> = { ...SHARED_SCHEMAS };
  if (userSchema) schemas.UserRead = userSchema;
  const securitySchemes: Record<string, unknown> = {};

  for (const [prefix, router] of mounts) {
    for (const route of routeDocsOf(router)) {
      const path = joinPath(prefix, route.path);
      if (route.body) schemas[route.body.name] = bodySchema(route.body.spec, route.body.name);
      for (const backend of route.security ?? []) {
        const scheme = backend.transport.openApiSecurityScheme?.();
        if (scheme) securitySchemes[backend.name] = scheme;
      }
      paths[path] = { ...paths[path], [route.method]: operation(route) };
    }
  }
  return {
    openapi: "3.1.0",
    info: { title, version, ...(description === undefined ? {} : { description }) },
    paths,
    components: { schemas, securitySchemes },
  };
}

function operation(route: RouteDoc): Record<string, unknown> {
  const op: Record<string, unknown> = {
    tags: route.tags,
    summary: route.summary,
    description: route.description,
    operationId: route.operationId,
  };
  if (route.parameters) {
    op.parameters = route.parameters.map((p) => ({ ...p, in: "path", required: true }));
  }
  if (route.body) {
    const schema = { $ref: `#/components/schemas/${route.body.name}` };
    const types = route.body.type === "json" ? ["application/json"] : FORM_TYPES;
    op.requestBody = {
      required: true,
      content: Object.fromEntries(types.map((type) => [type, { schema }])),
    };
  }
  const documented = (route.security ?? []).filter((b) => b.transport.openApiSecurityScheme);
  if (documented.length > 0) op.security = documented.map((b) => ({ [b.name]: [] }));
  const responses = Object.entries(withStandardResponses(route)).sort(([a], [b]) => +a - +b);
  op.responses = Object.fromEntries(responses.map(([status, doc]) => [status, response(doc)]));
  return Object.fromEntries(Object.entries(op).filter(([, value]) => value !== undefined));
}

/** The route's own answers plus those every route of its kind gives. */
function withStandardResponses(route: RouteDoc): Record<number, ResponseDoc> {
  const responses = { ...route.responses };
  const add = (status: number, doc: ResponseDoc) => {
    const known = responses[status];
    responses[status] = known
      ? {
          ...known,
          description: `${known.description}; or ${doc.description.toLowerCase()}`,
          details: [...(known.details ?? []), ...(doc.details ?? [])],
        }
      : doc;
  };
  if (route.security) {
    add(401, { description: "No valid token, or an inactive user", details: ["Unauthorized"] });
    if (route.method !== "get" && route.security.some(checksOrigin)) {
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
  add(503, {
    description: "The database is unavailable; retry after the given seconds",
    details: ["Service Unavailable"],
    headers: { "retry-after": { description: "Seconds", schema: { type: "integer" } } },
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

function joinPath(prefix: string, path: string): string {
  const joined = `/${prefix}/${path}`.replace(/\/{2,}/g, "/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}
