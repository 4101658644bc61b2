import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { HeaderReader } from "../../core/http-request.js";

export interface DeviceCookieOptions {
  /**
   * Key material the cookies are signed with (HMAC-SHA256), at least 32
   * bytes; the key is derived from it under its own label, so the secret
   * that signs reset tokens may be given here too. Every instance that shares
   * a rate-limit store must have the same one.
   * @default a random key made at construction, when the counters are in this
   * process's memory (cookies then last until a restart); required with any
   * other store
   */
  secret?: string | Uint8Array;
  /** @default "tessera_device" */
  cookieName?: string;
  /** Set it to the prefix the login routes are mounted under (`/auth`). @default "/" */
  cookiePath?: string;
  /** @default true */
  cookieSecure?: boolean;
  /** @default "strict" */
  cookieSameSite?: "lax" | "strict";
  /** @default 31536000 (a year) */
  cookieMaxAge?: number;
}

/** A valid device cookie presented for an account: `device` names the device. */
export interface KnownDevice {
  readonly device: string;
  /** The cookie's value, set again on success (to renew its lifetime). */
  readonly value: string;
}

const MIN_SECRET_BYTES = 32;
const KEY_LABEL = "tessera device cookie v1";
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * OWASP's device cookies: every successful login answer sets a signed cookie
 * naming the account and a random device id, and a login that presents a
 * valid one for the account it tries is limited per device instead of by the
 * account's anonymous limit, so an attacker flooding an account with wrong
 * passwords does not lock its owner out of the devices they used before.
 * The value is `<account tag>.<device id>.<HMAC-SHA256 of both>`; the tag is
 * an HMAC of the account's rate-limit key (the email never appears).
 */
export class DeviceCookies {
  readonly #key: Buffer;
  readonly #attributes: string;
  readonly cookieName: string;

  constructor(options: DeviceCookieOptions, counters: { shared: boolean }) {
    const {
      secret,
      cookieName = "tessera_device",
      cookiePath = "/",
      cookieSecure = true,
      cookieSameSite = "strict",
      cookieMaxAge = 31_536_000,
    } = options;
    if (!COOKIE_NAME.test(cookieName)) {
      throw new TypeError(`rateLimit.deviceCookie.cookieName: invalid cookie name "${cookieName}"`);
    }
    if (!(Number.isInteger(cookieMaxAge) && cookieMaxAge > 0)) {
      throw new RangeError("rateLimit.deviceCookie.cookieMaxAge must be a positive integer");
    }
    this.cookieName = cookieName;
    this.#key = deriveKey(secret, counters.shared);
    this.#attributes = [
      "HttpOnly",
      `Max-Age=${cookieMaxAge}`,
      `Path=${cookiePath}`,
      `SameSite=${cookieSameSite === "strict" ? "Strict" : "Lax"}`,
      cookieSecure ? "Secure" : null,
    ]
      .filter((part) => part !== null)
      .join("; ");
  }

  /**
   * The device a request's cookie names, if it holds a valid cookie for this
   * account (`account` as the rate limits count it); `null` for none, a
   * forged or altered one, or one of another account.
   */
  read(headers: HeaderReader, account: string): KnownDevice | null {
    const header = headers.get("cookie");
    if (!header) return null;
    const tag = this.#mac(`account\0${account}`).subarray(0, 16).toString("base64url");
    for (const part of header.split(";")) {
      const eq = part.indexOf("=");
      if (eq === -1 || part.slice(0, eq).trim() !== this.cookieName) continue;
      const value = part.slice(eq + 1).trim();
      const [cookieTag, device, mac, extra] = value.split(".");
      if (extra !== undefined || cookieTag !== tag || !device || !mac) continue;
      const expected = this.#mac(`${cookieTag}.${device}`);
      const given = Buffer.from(mac, "base64url");
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return { device, value };
      }
    }
    return null;
  }

  /** The `Set-Cookie` value for a successful login to `account`: the device's cookie, or a new one. */
  setCookie(account: string, known: KnownDevice | null): string {
    let value = known?.value;
    if (value === undefined) {
      const tag = this.#mac(`account\0${account}`).subarray(0, 16).toString("base64url");
      const device = randomBytes(16).toString("base64url");
      value = `${tag}.${device}.${this.#mac(`${tag}.${device}`).toString("base64url")}`;
    }
    return `${this.cookieName}=${value}; ${this.#attributes}`;
  }

  #mac(data: string): Buffer {
    return createHmac("sha256", this.#key).update(data).digest();
  }
}

function deriveKey(secret: string | Uint8Array | undefined, shared: boolean): Buffer {
  if (secret === undefined) {
    if (shared) {
      throw new TypeError(
        "rateLimit.deviceCookie.secret: a shared rate-limit store needs the same device-cookie " +
          "secret (32+ bytes) on every instance; set it, or turn device cookies off with deviceCookie: false",
      );
    }
    return randomBytes(32);
  }
  const bytes = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `rateLimit.deviceCookie.secret must be at least ${MIN_SECRET_BYTES} bytes long`,
    );
  }
  return createHmac("sha256", bytes).update(KEY_LABEL).digest();
}
