import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import { handleError, methodNotAllowed, notFound } from "../responses.js";

export interface ApiDocsRouterOptions {
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
 * app.route("/", apiDocsRouter(openApiDocument({ title: "My API", mounts })));
 */
export function apiDocsRouter(
  document: Record<string, unknown>,
  options: ApiDocsRouterOptions = {},
): Hono {
  const { openApiPath = "/openapi.json", docsPath = "/docs" } = options;
  const info = document.info as { title?: string } | undefined;
  const title = options.title ?? info?.title ?? "API docs";
  const assetsDir = swaggerUiDirectory();
  const json = JSON.stringify(document);
  const page = docsPage(title, docsPath);
  const init = initScript(openApiPath);
  const cache = new Map<string, Promise<Buffer>>();

  const app = new Hono();
  app.onError(handleError);
  app.get(openApiPath, (c) => c.body(json, 200, { "content-type": "application/json" }));
  app.all(openApiPath, methodNotAllowed(["GET"]));
  app.get(docsPath, (c) => c.html(page));
  app.all(docsPath, methodNotAllowed(["GET"]));
  // One parameterised route for every file: a static path beside it would push Hono off its
  // RegExpRouter for the whole app, and every request would pay for it.
  app.get(`${docsPath}/:asset`, async function docsAsset(c) {
    const name = c.req.param("asset");
    if (name === "init.js") {
      return c.body(init, 200, { "content-type": "text/javascript; charset=utf-8" });
    }
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) return notFound(c);
    let file = cache.get(name);
    if (!file) {
      file = readFile(join(assetsDir, name));
      cache.set(name, file);
    }
    return c.body(new Uint8Array(await file), 200, {
      "content-type": type,
      "cache-control": "public, max-age=3600",
      "x-content-type-options": "nosniff",
    });
  });
  return app;
}

function swaggerUiDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch (error) {
    throw new Error(
      "apiDocsRouter needs the swagger-ui-dist package: npm install swagger-ui-dist",
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
