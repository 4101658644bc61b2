import type { HttpRequest } from "../core/http-request.js";
import { detail, type HttpResult } from "../core/http-result.js";
import type { Route, RouteGroup } from "./route.js";
import { runRoute, runRouteNow } from "./run-route.js";

type Segment = { readonly param: string } | { readonly text: string };

/** One declared path: its segments and the route of each method. */
interface PathRoutes<Ctx> {
  readonly segments: readonly Segment[];
  readonly methods: Map<string, Route<Ctx>>;
  /** The `Allow` header of a 405 on this path. */
  readonly allow: string;
}

/** A path as served under a shared pattern. */
interface PatternEntry<Ctx> extends PathRoutes<Ctx> {
  /** Static segments standing where the pattern has a parameter: that parameter must equal the text. */
  readonly checks: readonly { readonly param: string; readonly text: string }[];
  readonly params: readonly string[];
}

/**
 * A group's routes arranged for a framework's router. Each pattern (`/:id`)
 * is registered once, for every method, and `serve` picks the route: paths
 * that only differ where one has a parameter (`/me` beside `/{id}`) share a
 * pattern, the static one matched first. One handler per pattern keeps
 * routers on their fast path (Hono's RegExpRouter refuses two routes that
 * match one path); a path's other methods answer 405 with `Allow`.
 */
export class RouteTable<Ctx> {
  readonly #byPattern = new Map<string, PatternEntry<Ctx>[]>();
  #matchers: { pattern: string; regex: RegExp; names: string[] }[] | undefined;

  constructor(group: RouteGroup<Ctx>) {
    const paths = new Map<string, { segments: Segment[]; methods: Map<string, Route<Ctx>> }>();
    for (const route of group) {
      let entry = paths.get(route.path);
      if (!entry) {
        entry = { segments: parsePath(route.path), methods: new Map() };
        paths.set(route.path, entry);
      }
      if (entry.methods.has(route.method)) {
        throw new TypeError(`two routes for ${route.method} ${route.path}`);
      }
      entry.methods.set(route.method, route);
    }
    const all = [...paths.values()];
    for (const { segments, methods } of all) {
      const patternSegments = patternOf(segments, all);
      const checks = segments.flatMap((segment, i) => {
        const shared = patternSegments[i] as Segment;
        return "text" in segment && "param" in shared
          ? [{ param: shared.param, text: segment.text }]
          : [];
      });
      const params = segments.flatMap((segment) => ("param" in segment ? [segment.param] : []));
      const pattern = `/${patternSegments.map((s) => ("param" in s ? `:${s.param}` : s.text)).join("/")}`;
      const shared = this.#byPattern.get(pattern) ?? [];
      shared.push({ segments, methods, allow: allowHeader(methods), checks, params });
      // Static segments before parameters: `/me` is tried before `/{id}`.
      shared.sort((a, b) => a.params.length - b.params.length);
      this.#byPattern.set(pattern, shared);
    }
  }

  /** The patterns to register, in the framework's `/:param` syntax (`/` for the group's root). */
  get patterns(): string[] {
    return [...this.#byPattern.keys()];
  }

  /** The names of a pattern's parameters (`/:id/sessions/:session_id` → `id`, `session_id`). */
  static parameters(pattern: string): string[] {
    return pattern
      .split("/")
      .filter((part) => part.startsWith(":"))
      .map((part) => part.slice(1));
  }

  /**
   * The pattern a path (relative to the group's mount) falls under, and its
   * parameters, for integrations that route themselves; `null` when the group
   * does not serve the path (the request goes on to the app's own routes).
   */
  match(path: string): { pattern: string; params: Record<string, string> } | null {
    this.#matchers ??= this.patterns
      .map((pattern) => {
        const names: string[] = [];
        const source = pattern
          .split("/")
          .map((part) => {
            if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            names.push(part.slice(1));
            return "([^/]+)";
          })
          .join("/");
        return { pattern, regex: new RegExp(`^${source}$`), names };
      })
      // Fewer parameters first: a static path wins over a parameter.
      .sort((a, b) => a.names.length - b.names.length);
    for (const { pattern, regex, names } of this.#matchers) {
      const found = regex.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      try {
        names.forEach((name, i) => {
          params[name] = decodeURIComponent(found[i + 1] as string);
        });
      } catch {
        return null;
      }
      return { pattern, params };
    }
    return null;
  }

  /**
   * Serves a request its router matched to `pattern`, with the router's
   * parameters: the route's answer (at once when the route gives it without
   * waiting, else a promise), or 405 with `Allow`; `null` when the path
   * is not one of the group's after all (an empty parameter, as some routers
   * match `/users/` to `/users/:id`): the integration lets the framework
   * answer, as for any path it does not serve. `HEAD` is served as `GET` (the
   * integration sends no body).
   */
  serve(
    pattern: string,
    params: Readonly<Record<string, string | undefined>>,
    request: HttpRequest,
    ctx: Ctx,
  ): HttpResult | Promise<HttpResult> | null {
    const entries = this.#byPattern.get(pattern) ?? NO_ENTRIES;
    const wanted = request.method === "HEAD" ? "GET" : request.method;
    let allow: string | null = null;
    for (const entry of entries) {
      if (!matches(entry, params)) continue;
      const route = entry.methods.get(wanted);
      if (route) {
        const call = { request, ctx, params: ownParams(entry.params, params) };
        return runRouteNow(route, call) ?? runRoute(route, call);
      }
      allow ??= entry.allow;
    }
    if (allow === null) return null;
    return detail(405, "Method Not Allowed", { allow });
  }
}

const NO_ENTRIES: readonly PatternEntry<never>[] = [];

/** Whether the router's parameters fit this path: its static segments, and no empty parameter. */
function matches(
  entry: PatternEntry<unknown>,
  params: Readonly<Record<string, string | undefined>>,
): boolean {
  for (const check of entry.checks) if (params[check.param] !== check.text) return false;
  for (const name of entry.params) if (!params[name]) return false;
  return true;
}

function parsePath(path: string): Segment[] {
  return path
    .split("/")
    .filter(Boolean)
    .map((part) => (/^\{\w+\}$/.test(part) ? { param: part.slice(1, -1) } : { text: part }));
}

/** A path's segments, each static one that a sibling path has a parameter at replaced by that parameter. */
function patternOf(
  segments: readonly Segment[],
  all: readonly { segments: readonly Segment[] }[],
): Segment[] {
  return segments.map((segment, i) => {
    if ("param" in segment) return segment;
    const rival = all.find(
      (other) =>
        other.segments.length === segments.length &&
        "param" in (other.segments[i] as Segment) &&
        other.segments.slice(0, i).every((s, j) => sameSegment(s, segments[j] as Segment)),
    );
    return rival ? (rival.segments[i] as Segment) : segment;
  });
}

function sameSegment(a: Segment, b: Segment): boolean {
  return "param" in a ? "param" in b : "text" in b && a.text === b.text;
}

/** The path's own parameters, taken from the router's. */
function ownParams(
  names: readonly string[],
  params: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string>> {
  if (names.length === 0) return EMPTY;
  const own: Record<string, string> = {};
  for (const name of names) own[name] = params[name] ?? "";
  return own;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function allowHeader(routes: Map<string, unknown>): string {
  const methods = [...routes.keys()];
  return (methods.includes("GET") ? [...methods, "HEAD"] : methods).join(", ");
}
