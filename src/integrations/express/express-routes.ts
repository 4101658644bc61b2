import type { ServerResponse } from "node:http";
import type { RequestBody } from "../../core/http-request.js";
import { statusDetail } from "../../core/http-result.js";
import type { RouteGroup } from "../../http/route.js";
import { RouteTable } from "../../http/route-table.js";
import { writeResult } from "../../node/write-result.js";
import { ExpressRequest, type ExpressRequestLike } from "./express-request.js";

type Next = (error?: unknown) => void;
/** An Express middleware: `(req, res, next)`. */
export type ExpressHandler = (req: ExpressRequestLike, res: ServerResponse, next: Next) => void;
/** An Express error middleware: `(error, req, res, next)`. */
export type ExpressErrorHandler = (
  error: unknown,
  req: ExpressRequestLike,
  res: ServerResponse,
  next: Next,
) => void;

/**
 * A group of tessera's routes as Express middleware, to mount with
 * `app.use(prefix, …)` in Express 4 or 5. Paths it does not serve go on to
 * the app's own routes (`next()`). It works whether or not the app parsed
 * bodies first: a body `express.json()` or `express.urlencoded()` already
 * read is taken as parsed, and their errors on tessera's paths (malformed
 * JSON, a body too large) are answered in the contract's shape by the error
 * handler that comes with the routes.
 *
 * @example
 * app.use(express.json());
 * app.use("/auth", expressRoutes(authRoutes(tessera, bearer)));
 * app.use("/users", expressRoutes(usersRoutes(tessera)));
 */
export function expressRoutes(
  group: RouteGroup<ExpressRequestLike>,
): [ExpressHandler, ExpressErrorHandler] {
  const table = new RouteTable(group);

  const routes: ExpressHandler = function tesseraRoutes(req, res, next) {
    const found = table.match(pathOf(req.url));
    if (found === null) return next();
    const served = table.serve(found.pattern, found.params, new ExpressRequest(req), req);
    if (served === null) return next();
    if (served instanceof Promise) served.then((result) => writeResult(res, result), next);
    else writeResult(res, served);
  };

  // The app's own body parser failed on one of tessera's paths: the route still runs, in its
  // order (rate limit, authentication…), and meets the failure where it reads the body.
  const bodyParserErrors: ExpressErrorHandler = function tesseraBodyErrors(error, req, res, next) {
    const found = table.match(pathOf(req.url));
    const body = found && failedBody(error);
    if (!found || !body) return next(error);
    if (body === "unsupported") return writeResult(res, statusDetail(415));
    const served = table.serve(found.pattern, found.params, new ExpressRequest(req, body), req);
    if (served === null) return next(error);
    if (served instanceof Promise) served.then((result) => writeResult(res, result), next);
    else writeResult(res, served);
  };

  return [routes, bodyParserErrors];
}

/**
 * What a body parser's error leaves of the body: the text it could not parse
 * (its `body`), or nothing past the size limit; `null` for an error that is
 * not a body parser's.
 */
function failedBody(error: unknown): RequestBody | "unsupported" | null {
  const { type, body } = (error ?? {}) as { type?: unknown; body?: unknown };
  if (type === "entity.too.large") return { kind: "raw", read: async () => null };
  if (type === "entity.parse.failed") {
    const bytes = Buffer.from(String(body ?? ""));
    return { kind: "raw", read: async (maxBytes) => (bytes.byteLength > maxBytes ? null : bytes) };
  }
  if (type === "charset.unsupported" || type === "encoding.unsupported") return "unsupported";
  return null;
}

/** The path of a request URL, without its query. */
function pathOf(url: string | undefined): string {
  const path = url ?? "/";
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}
