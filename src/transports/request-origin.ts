import { ErrorCode } from "../core/errors.js";
import type { HeaderReader } from "../core/http-request.js";

/** The parts of a request an origin check reads (a Web `Request` fits). */
export interface RequestInfo {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderReader;
}

/** Why a cross-site request carrying a cookie was refused. */
export type CsrfRefusal =
  | typeof ErrorCode.CSRF_ORIGIN_NOT_TRUSTED
  | typeof ErrorCode.CSRF_CROSS_SITE_REQUEST;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/**
 * The CSRF check for credentials a browser sends on its own (cookies). Safe
 * methods pass untouched. An unsafe request passes when its `Origin` is the
 * request's own origin or a trusted one; without `Origin`, when
 * `Sec-Fetch-Site` is `same-origin` or `none` (typed by the user), or absent
 * (not a browser, or one too old to send either: `SameSite` cookies still
 * apply). `Origin: null` (sandboxed frames, some redirects) is refused.
 *
 * @returns `null` to let the request through, else the reason to refuse it.
 */
export function checkRequestOrigin(
  request: RequestInfo,
  trustedOrigins: ReadonlySet<string>,
): CsrfRefusal | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const origin = request.headers.get("origin");
  if (origin !== null) {
    if (trustedOrigins.has(origin) || origin === ownOrigin(request.url)) return null;
    return ErrorCode.CSRF_ORIGIN_NOT_TRUSTED;
  }
  const site = request.headers.get("sec-fetch-site");
  if (site === null || site === "same-origin" || site === "none") return null;
  return ErrorCode.CSRF_CROSS_SITE_REQUEST;
}

/** Normalises configured origins (`https://App.example.com/` → `https://app.example.com`). */
export function normalizeOrigins(origins: readonly string[]): Set<string> {
  return new Set(
    origins.map((origin) => {
      const url = new URL(origin);
      if (url.origin === "null") throw new TypeError(`Not an origin: ${origin}`);
      return url.origin;
    }),
  );
}

function ownOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
