import type { HeaderReader } from "../core/http-request.js";
import { type HttpResult, noContent } from "../core/http-result.js";
import {
  type CsrfRefusal,
  checkRequestOrigin,
  normalizeOrigins,
  type RequestInfo,
} from "./request-origin.js";
import type { Transport } from "./transport.js";

export interface CookieTransportOptions {
  /** @default "fastapiusersauth" (FastAPI Users' name, so its front ends keep working) */
  cookieName?: string;
  /** Seconds; `null` makes a session cookie. @default null */
  cookieMaxAge?: number | null;
  /** @default "/" */
  cookiePath?: string;
  /** @default null (the host that set it) */
  cookieDomain?: string | null;
  /** @default true */
  cookieSecure?: boolean;
  /** @default true */
  cookieHttpOnly?: boolean;
  /** @default "lax" */
  cookieSameSite?: "lax" | "strict" | "none";
  /**
   * Refuse unsafe requests (POST, PUT, PATCH, DELETE) carrying the cookie from
   * another origin with 403 `CSRF_ORIGIN_NOT_TRUSTED` / `CSRF_CROSS_SITE_REQUEST`,
   * login included. Turn off only if something else checks origins.
   * @default true
   */
  csrfProtection?: boolean;
  /**
   * Origins besides the request's own allowed to send unsafe cookie requests,
   * such as a front end on another host, or your public `https://` origin when
   * a proxy in front terminates TLS (the server then sees `http://`).
   * @default []
   */
  trustedOrigins?: readonly string[];
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Tokens in an HttpOnly cookie; login and logout answer 204 with `Set-Cookie`.
 * Attributes and defaults are FastAPI Users'.
 *
 * @example
 * const transport = new CookieTransport({ cookieMaxAge: 3600 });
 */
export class CookieTransport implements Transport {
  readonly options: Readonly<Required<Omit<CookieTransportOptions, "trustedOrigins">>>;
  readonly trustedOrigins: ReadonlySet<string>;

  constructor(options: CookieTransportOptions = {}) {
    const {
      cookieName = "fastapiusersauth",
      cookieMaxAge = null,
      cookiePath = "/",
      cookieDomain = null,
      cookieSecure = true,
      cookieHttpOnly = true,
      cookieSameSite = "lax",
      csrfProtection = true,
      trustedOrigins = [],
    } = options;
    if (!COOKIE_NAME.test(cookieName)) throw new TypeError(`Invalid cookie name: ${cookieName}`);
    this.options = {
      cookieName,
      cookieMaxAge,
      cookiePath,
      cookieDomain,
      cookieSecure,
      cookieHttpOnly,
      cookieSameSite,
      csrfProtection,
    };
    this.trustedOrigins = normalizeOrigins(trustedOrigins);
  }

  get cookieName(): string {
    return this.options.cookieName;
  }

  readToken(headers: HeaderReader): string | null {
    const cookie = headers.get("cookie");
    return cookie ? readCookie(cookie, this.options.cookieName) : null;
  }

  loginResult(token: string): HttpResult {
    return noContent(this.#cookieHeaders(token, this.options.cookieMaxAge));
  }

  logoutResult(): HttpResult {
    return noContent(this.#cookieHeaders('""', 0));
  }

  checkRequestOrigin(request: RequestInfo): CsrfRefusal | null {
    if (!this.options.csrfProtection) return null;
    return checkRequestOrigin(request, this.trustedOrigins);
  }

  openApiSecurityScheme(): Record<string, unknown> {
    return { type: "apiKey", in: "cookie", name: this.options.cookieName };
  }

  #cookieHeaders(value: string, maxAge: number | null): Record<string, string> {
    return { "set-cookie": this.#setCookie(value, maxAge), "cache-control": "no-store" };
  }

  /** Attributes in Python's SimpleCookie order (alphabetical), so answers match FastAPI Users'. */
  #setCookie(value: string, maxAge: number | null): string {
    const { cookieName, cookieDomain, cookieHttpOnly, cookiePath, cookieSameSite, cookieSecure } =
      this.options;
    return [
      `${cookieName}=${value}`,
      cookieDomain === null ? null : `Domain=${cookieDomain}`,
      cookieHttpOnly ? "HttpOnly" : null,
      maxAge === null ? null : `Max-Age=${maxAge}`,
      `Path=${cookiePath}`,
      `SameSite=${cookieSameSite}`,
      cookieSecure ? "Secure" : null,
    ]
      .filter((part) => part !== null)
      .join("; ");
  }
}

/** The value of the cookie `name` in a `Cookie` header (first one wins), unquoted. */
export function readCookie(header: string, name: string): string | null {
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    return value || null;
  }
  return null;
}
