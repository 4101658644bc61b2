import { createHmac } from "node:crypto";
import {
  AuthenticationBackend,
  BearerTransport,
  DeviceCookies,
  MemoryRateLimitStore,
  type RateLimitOptions,
  type RateLimitStore,
  type Strategy,
  Tessera,
  type User,
  type UserManager,
} from "tessera-auth";
import { describe, expect, it } from "vitest";

type U = User<string>;

const SECRET = "device-cookie-secret-device-cookie-secret";

/** A store shared by several instances (its counters are not in this process only). */
const sharedStore: RateLimitStore = {
  hit: async (_key, windowMs, now) => ({ count: 1, resetAt: now + windowMs }),
};

function tessera(rateLimit: RateLimitOptions | false) {
  return new Tessera<U, string, unknown>({
    getUserManager: () => ({}) as UserManager<U, string>,
    backends: [
      new AuthenticationBackend<U, string, unknown>({
        name: "bearer",
        transport: new BearerTransport(),
        getStrategy: () => ({}) as Strategy<U, string>,
      }),
    ],
    rateLimit,
  });
}

const headers = (cookie: string) => new Headers({ cookie });
const cookiePair = (setCookie: string) => setCookie.slice(0, setCookie.indexOf(";"));

describe("device cookie configuration", () => {
  it("needs no option with the in-process store: a key is made at construction", () => {
    expect(tessera({}).deviceCookies).toBeInstanceOf(DeviceCookies);
    expect(tessera({ store: new MemoryRateLimitStore() }).deviceCookies).toBeInstanceOf(
      DeviceCookies,
    );
  });

  it("fails at construction with a shared store and no secret, naming the setting", () => {
    expect(() => tessera({ store: sharedStore })).toThrow(
      /^rateLimit\.deviceCookie\.secret: a shared rate-limit store needs/,
    );
    expect(
      tessera({ store: sharedStore, deviceCookie: { secret: SECRET } }).deviceCookies,
    ).not.toBe(null);
    expect(tessera({ store: sharedStore, deviceCookie: false }).deviceCookies).toBe(null);
  });

  it("refuses a secret under 32 bytes, a bad name or lifetime", () => {
    expect(() => tessera({ deviceCookie: { secret: "short" } })).toThrow(
      "rateLimit.deviceCookie.secret must be at least 32 bytes long",
    );
    expect(() => tessera({ deviceCookie: { cookieName: "a b" } })).toThrow(/cookieName/);
    expect(() => tessera({ deviceCookie: { cookieMaxAge: 0 } })).toThrow(/cookieMaxAge/);
  });

  it("is off with rate limits off", () => {
    expect(tessera(false).deviceCookies).toBe(null);
  });
});

describe("DeviceCookies", () => {
  const local = { shared: false };

  it("reads back what it set, for that account only; instances with one secret agree", () => {
    const one = new DeviceCookies({ secret: SECRET }, local);
    const two = new DeviceCookies({ secret: SECRET }, local);
    const other = new DeviceCookies({ secret: `${SECRET}-other` }, local);
    const cookie = cookiePair(one.setCookie("alice@example.com", null));
    const known = two.read(headers(`a=b; ${cookie}; c=d`), "alice@example.com");
    expect(known?.device).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(two.setCookie("alice@example.com", known)).toMatch(new RegExp(`^${cookie};`));
    expect(two.read(headers(cookie), "bob@example.com")).toBe(null);
    expect(other.read(headers(cookie), "alice@example.com")).toBe(null);
  });

  it("finds a valid cookie among several of that name (one per path)", () => {
    const cookies = new DeviceCookies({ secret: SECRET }, local);
    const bob = cookiePair(cookies.setCookie("bob@example.com", null));
    const alice = cookiePair(cookies.setCookie("alice@example.com", null));
    expect(cookies.read(headers(`${bob}; ${alice}`), "alice@example.com")).not.toBe(null);
  });

  it("signs under a key derived from the secret, not the secret itself", () => {
    const cookies = new DeviceCookies({ secret: SECRET }, local);
    const value = cookiePair(cookies.setCookie("alice@example.com", null)).split("=")[1] ?? "";
    const [tag, device] = value.split(".") as [string, string];
    const raw = createHmac("sha256", SECRET).update(`${tag}.${device}`).digest("base64url");
    const forged = `tessera_device=${tag}.${device}.${raw}`;
    expect(cookies.read(headers(forged), "alice@example.com")).toBe(null);
  });
});
