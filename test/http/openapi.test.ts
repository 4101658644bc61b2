import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect } from "vitest";
import { TestServer, test } from "./harness.js";

type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<
    string,
    { content?: { "application/json": { examples?: Record<string, { value: unknown }> } } }
  >;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

/** Every route the demo serves, with the statuses and `detail` codes the contract gives it. */
const ROUTES: [string, string, Record<number, string[]>][] = [
  ["post", "/auth/login", { 200: [], 400: ["LOGIN_BAD_CREDENTIALS"], 422: [] }],
  ["post", "/auth/logout", { 204: [], 401: ["Unauthorized"] }],
  [
    "post",
    "/auth/cookie/login",
    {
      204: [],
      400: ["LOGIN_BAD_CREDENTIALS"],
      403: ["CSRF_ORIGIN_NOT_TRUSTED", "CSRF_CROSS_SITE_REQUEST"],
      422: [],
    },
  ],
  [
    "post",
    "/auth/cookie/logout",
    { 204: [], 401: ["Unauthorized"], 403: ["CSRF_ORIGIN_NOT_TRUSTED"] },
  ],
  [
    "post",
    "/auth/register",
    { 201: [], 400: ["REGISTER_USER_ALREADY_EXISTS", "REGISTER_INVALID_PASSWORD"], 422: [] },
  ],
  ["post", "/auth/forgot-password", { 202: [], 413: ["Request Entity Too Large"], 422: [] }],
  [
    "post",
    "/auth/reset-password",
    { 200: [], 400: ["RESET_PASSWORD_BAD_TOKEN", "RESET_PASSWORD_INVALID_PASSWORD"], 422: [] },
  ],
  ["post", "/auth/request-verify-token", { 202: [], 422: [] }],
  [
    "post",
    "/auth/verify",
    { 200: [], 400: ["VERIFY_USER_BAD_TOKEN", "VERIFY_USER_ALREADY_VERIFIED"], 422: [] },
  ],
  ["get", "/users/me", { 200: [], 401: ["Unauthorized"], 503: ["Service Unavailable"] }],
  [
    "patch",
    "/users/me",
    {
      200: [],
      400: ["UPDATE_USER_EMAIL_ALREADY_EXISTS", "UPDATE_USER_INVALID_PASSWORD"],
      401: ["Unauthorized"],
      403: ["CSRF_ORIGIN_NOT_TRUSTED"],
      422: [],
    },
  ],
  [
    "get",
    "/users/{id}",
    { 200: [], 401: ["Unauthorized"], 403: ["Forbidden"], 404: ["Not Found"] },
  ],
  [
    "patch",
    "/users/{id}",
    {
      200: [],
      400: ["UPDATE_USER_EMAIL_ALREADY_EXISTS", "UPDATE_USER_INVALID_PASSWORD"],
      401: ["Unauthorized"],
      403: ["Forbidden", "CSRF_ORIGIN_NOT_TRUSTED"],
      404: ["Not Found"],
      422: [],
    },
  ],
  [
    "delete",
    "/users/{id}",
    {
      204: [],
      401: ["Unauthorized"],
      403: ["Forbidden", "CSRF_CROSS_SITE_REQUEST"],
      404: ["Not Found"],
    },
  ],
  ["post", "/auth/logout-all", { 204: [], 401: ["Unauthorized"] }],
  [
    "post",
    "/auth/cookie/logout-all",
    { 204: [], 401: ["Unauthorized"], 403: ["CSRF_ORIGIN_NOT_TRUSTED"] },
  ],
  ["get", "/users/me/sessions", { 200: [], 401: ["Unauthorized"] }],
  [
    "delete",
    "/users/me/sessions",
    { 204: [], 401: ["Unauthorized"], 403: ["CSRF_CROSS_SITE_REQUEST"] },
  ],
  [
    "delete",
    "/users/me/sessions/{session_id}",
    { 204: [], 401: ["Unauthorized"], 404: ["Not Found"] },
  ],
  [
    "get",
    "/users/{id}/sessions",
    { 200: [], 401: ["Unauthorized"], 403: ["Forbidden"], 404: ["Not Found"] },
  ],
  [
    "delete",
    "/users/{id}/sessions",
    { 204: [], 401: ["Unauthorized"], 403: ["Forbidden"], 404: ["Not Found"] },
  ],
  [
    "delete",
    "/users/{id}/sessions/{session_id}",
    { 204: [], 401: ["Unauthorized"], 403: ["Forbidden"], 404: ["Not Found"] },
  ],
  ["get", "/users/me/oauth-accounts", { 200: [], 401: ["Unauthorized"] }],
  [
    "delete",
    "/users/me/oauth-accounts/{oauth_name}",
    { 204: [], 400: ["OAUTH_LAST_SIGN_IN_METHOD"], 401: ["Unauthorized"], 404: ["Not Found"] },
  ],
  ["get", "/health", { 200: [] }],
  ["get", "/_test/tokens/{email}", { 200: [] }],
];

async function fetchDocument(server: { fetch(path: string): Promise<Response> }) {
  const response = await server.fetch("/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  return (await response.json()) as Document;
}

describe("GET /openapi.json", () => {
  test("is a valid OpenAPI 3.1.0 document", async ({ server }) => {
    const document = await fetchDocument(server);
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test("lists every route with its statuses and detail codes, and nothing else", async ({
    server,
  }) => {
    const { paths } = await fetchDocument(server);
    const listed = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort());
    for (const [method, path, statuses] of ROUTES) {
      const operation = paths[path]?.[method] as Operation;
      for (const [status, codes] of Object.entries(statuses)) {
        const answer = operation.responses[status];
        expect(answer, `${method} ${path} ${status}`).toBeDefined();
        const examples = Object.keys(answer?.content?.["application/json"].examples ?? {});
        expect(examples, `${method} ${path} ${status}`).toEqual(expect.arrayContaining(codes));
      }
    }
  });

  test("bodies come from the validators' specs; security names both backends", async ({
    server,
  }) => {
    const { paths, components } = await fetchDocument(server);
    expect(components.securitySchemes).toEqual({
      database: { type: "oauth2", flows: { password: { scopes: {}, tokenUrl: "auth/login" } } },
      cookie: { type: "apiKey", in: "cookie", name: "fastapiusersauth" },
    });
    expect(paths["/users/me"]?.get?.security).toEqual([{ database: [] }, { cookie: [] }]);
    expect(paths["/auth/login"]?.post?.security).toBeUndefined();
    expect(Object.keys(paths["/auth/login"]?.post?.requestBody?.content ?? {})).toEqual([
      "application/x-www-form-urlencoded",
      "multipart/form-data",
    ]);
    expect(components.schemas.Body_reset_reset_password).toEqual({
      title: "Body_reset_reset_password",
      type: "object",
      properties: {
        token: { title: "token", type: "string", description: "The token from the reset email" },
        password: { title: "password", type: "string", description: "The new password" },
      },
      required: ["token", "password"],
    });
    expect(components.schemas.UserCreate).toMatchObject({
      required: ["email", "password"],
      properties: { email: { type: "string", format: "email" } },
    });
  });

  test("the docs say what a password change revokes", async ({ server }) => {
    const { paths } = await fetchDocument(server);
    const text = (path: string, method: string) =>
      (paths[path]?.[method] as { description?: string } | undefined)?.description ?? "";
    expect(text("/users/me", "patch")).toContain("the token making this request keeps working");
    expect(text("/auth/reset-password", "post")).toContain("revokes every access token");
    expect(text("/users/{id}", "patch")).toContain("revokes every access token of that user");
  });
});

describe("GET /docs", () => {
  test("an HTML page whose scripts and styles are served locally, with no CDN", async ({
    server,
  }) => {
    const page = await server.fetch("/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(assets.sort()).toEqual([
      "/docs/favicon-32x32.png",
      "/docs/init.js",
      "/docs/swagger-ui-bundle.js",
      "/docs/swagger-ui.css",
    ]);
    expect(html).not.toMatch(/https?:\/\//);
    const types: Record<string, RegExp> = {
      "/docs/init.js": /^text\/javascript/,
      "/docs/swagger-ui-bundle.js": /^text\/javascript/,
      "/docs/swagger-ui.css": /^text\/css/,
      "/docs/favicon-32x32.png": /^image\/png$/,
    };
    for (const [path, type] of Object.entries(types)) {
      const response = await server.fetch(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(type);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect(await (await server.fetch("/docs/init.js")).text()).toContain('"/openapi.json"');
  });

  test("other files of the package are not served", async ({ server }) => {
    for (const path of [
      "/docs/package.json",
      "/docs/..%2Fpackage.json",
      "/docs/index.html",
      "/docs/__proto__",
      "/docs/constructor",
      "/docs/toString",
    ]) {
      const response = await server.fetch(path);
      expect({ status: response.status, body: await response.json() }, path).toEqual({
        status: 404,
        body: { detail: "Not Found" },
      });
    }
  });

  test("with a provider: its routes, documented with their queries and answers, in a valid document", async () => {
    const server = await TestServer.start({
      oidc: { issuer: "http://127.0.0.1:1", clientId: "id", clientSecret: "secret" },
    });
    try {
      const document = await fetchDocument(server);
      const result = await new Validator().validate(document as never);
      expect(result.errors ?? []).toEqual([]);
      const { paths } = document;
      const callbackErrors = [
        "OAUTH_INVALID_STATE",
        "OAUTH_INVALID_CODE",
        "OAUTH_INVALID_ID_TOKEN",
        "OAUTH_NOT_AVAILABLE_EMAIL",
        "OAUTH_PROVIDER_ERROR",
      ];
      const expected: [string, string, Record<number, string[]>][] = [
        [
          "/auth/oidc/authorize",
          "oauth:oidc.database.authorize",
          { 200: [], 503: ["OAUTH_PROVIDER_UNAVAILABLE"] },
        ],
        [
          "/auth/oidc/callback",
          "oauth:oidc.database.callback",
          {
            200: [],
            400: [
              ...callbackErrors,
              "OAUTH_USER_ALREADY_EXISTS",
              "OAUTH_EMAIL_NOT_VERIFIED",
              "LOGIN_BAD_CREDENTIALS",
            ],
            503: ["OAUTH_PROVIDER_UNAVAILABLE"],
          },
        ],
        ["/auth/associate/oidc/authorize", "oauth-associate:oidc.authorize", { 200: [], 401: [] }],
        [
          "/auth/associate/oidc/callback",
          "oauth-associate:oidc.callback",
          {
            200: [],
            400: [...callbackErrors, "OAUTH_ACCOUNT_ALREADY_LINKED"],
            401: [],
            503: ["OAUTH_PROVIDER_UNAVAILABLE"],
          },
        ],
      ];
      for (const [path, operationId, statuses] of expected) {
        const operation = paths[path]?.get as Operation & {
          parameters?: { name: string; in: string }[];
        };
        expect(operation?.operationId, path).toBe(operationId);
        for (const [status, codes] of Object.entries(statuses)) {
          const examples = Object.keys(
            operation.responses[status]?.content?.["application/json"].examples ?? {},
          );
          expect(operation.responses[status], `${path} ${status}`).toBeDefined();
          expect(examples, `${path} ${status}`).toEqual(expect.arrayContaining(codes));
        }
        const query = (operation.parameters ?? [])
          .filter((p) => p.in === "query")
          .map((p) => p.name);
        expect(query).toEqual(
          path.endsWith("authorize") ? ["scopes"] : ["code", "state", "error", "iss"],
        );
      }
    } finally {
      await server.close();
    }
  });
});
