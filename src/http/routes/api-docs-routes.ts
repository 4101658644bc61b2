import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type HttpResult, NOT_FOUND } from "../../core/http-result.js";
import type { RouteGroup } from "../route.js";

export interface ApiDocsRoutesOptions {
  /** @default "/openapi.json" */
  openApiPath?: string;
  /** The interactive page; its assets are served under it. @default "/docs" */
  docsPath?: string;
  /** The page's title. @default the document's `info.title` */
  title?: string;
}

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/**
 * Serves an OpenAPI document as JSON and Swagger UI to browse it, with the
 * UI's files read from the `swagger-ui-dist` package (an optional peer
 * dependency): no CDN, so it works offline. The page runs no inline script.
 *
 * @example
 * const docs = apiDocsRoutes(openApiDocument({ title: "My API", mounts })); // mounted at /
 */
export function apiDocsRoutes(
  document: Record<string, unknown>,
  options: ApiDocsRoutesOptions = {},
): RouteGroup {
  const { openApiPath = "/openapi.json", docsPath = "/docs" } = options;
  const info = document.info as { title?: string } | undefined;
  const title = options.title ?? info?.title ?? "API docs";
  const assetsDir = swaggerUiDirectory();
  const documentResult = raw("application/json", JSON.stringify(document));
  const page = raw("text/html; charset=UTF-8", docsPage(title, docsPath));
  const init = raw("text/javascript; charset=utf-8", initScript(openApiPath));
  const cache = new Map<string, Promise<Buffer>>();

  return [
    { method: "GET", path: openApiPath, handle: async () => documentResult },
    { method: "GET", path: docsPath, handle: async () => page },
    {
      method: "GET",
      path: `${docsPath}/{asset}`,
      async handle({ params }) {
        const name = params.asset ?? "";
        if (name === "init.js") return init;
        const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
        if (!type) return NOT_FOUND;
        let file = cache.get(name);
        if (!file) {
          file = readFile(join(assetsDir, name));
          cache.set(name, file);
        }
        return {
          ...raw(type, new Uint8Array(await file)),
          headers: { "cache-control": "public, max-age=3600", "x-content-type-options": "nosniff" },
        };
      },
    },
  ];
}

function raw(contentType: string, data: string | Uint8Array): HttpResult {
  return { status: 200, raw: { contentType, data } };
}

function swaggerUiDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch (error) {
    throw new Error(
      "apiDocsRoutes needs the swagger-ui-dist package: npm install swagger-ui-dist",
      {
        cause: error,
      },
    );
  }
}

function docsPage(title: string, docsPath: string): string {
  const escaped = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped} - docs</title>
<link rel="stylesheet" href="${docsPath}/swagger-ui.css">
<link rel="icon" type="image/png" href="${docsPath}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${docsPath}/swagger-ui-bundle.js"></script>
<script src="${docsPath}/init.js"></script>
</body>
</html>
`;
}

function initScript(openApiPath: string): string {
  return `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(openApiPath)},
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;
}
