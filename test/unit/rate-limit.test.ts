import { DEFAULT_RATE_LIMITS, MemoryRateLimitStore, RateLimiter, ServerBusy } from "tessera-auth";
import { describe, expect, it } from "vitest";
import { Semaphore } from "../../src/core/semaphore.js";
import { addressKey, ClientAddressResolver } from "../../src/http/rate-limit/client-address.js";

describe("client addresses", () => {
  it("groups IPv6 clients by /64, keeps IPv4 as is, unmaps IPv4-mapped IPv6", () => {
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0DB8:0001:0002:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(new ClientAddressResolver().resolve("::ffff:192.0.2.7", null)).toBe("192.0.2.7");
  });

  it("trusts no X-Forwarded-For by default", () => {
    const resolver = new ClientAddressResolver();
    expect(resolver.resolve("127.0.0.1", "203.0.113.5")).toBe("127.0.0.1");
    expect(resolver.resolve(undefined, "203.0.113.5")).toBeNull();
  });

  it("reads X-Forwarded-For from the right, through trusted proxies only", () => {
    const resolver = new ClientAddressResolver(["10.0.0.0/8", "2001:db8:ffff::1"]);
    expect(resolver.resolve("10.1.2.3", "203.0.113.5")).toBe("203.0.113.5");
    expect(resolver.resolve("10.1.2.3", "198.51.100.1, 203.0.113.5, 10.9.9.9")).toBe("203.0.113.5");
    expect(resolver.resolve("2001:db8:ffff::1", "2001:db8:1::5")).toBe("2001:db8:1::5");
    // An untrusted peer's header is ignored; garbage in the header stops the walk.
    expect(resolver.resolve("192.0.2.1", "203.0.113.5")).toBe("192.0.2.1");
    expect(resolver.resolve("10.1.2.3", "203.0.113.5, not-an-ip")).toBe("10.1.2.3");
    expect(resolver.resolve("10.1.2.3", "10.0.0.1, 10.0.0.2")).toBe("10.0.0.1");
    expect(() => new ClientAddressResolver(["example.com"])).toThrow(TypeError);
  });

  it("refuses at construction every trusted proxy that is not written exactly", () => {
    const malformed = [
      "10.0.0.0/", // read as /0 before: every address trusted
      "fd00::/",
      "10.0.0.0/x",
      "10.0.0.0/8x",
      "10.0.0.0/-1",
      "10.0.0.0/+8",
      "10.0.0.0/1e1",
      "10.0.0.0/0x8",
      "10.0.0.0/8/8",
      "10.0.0.0/33",
      "fd00::/129",
      "10.0.0.0/08",
      "fd00::/008",
      " 10.0.0.0/8",
      "10.0.0.0/8 ",
      "10.0.0.0/ 8",
      "10.0.0.0 /8",
      "10.0.0.1/8",
      "192.168.1.5/16",
      "fd00::1/8",
      "2001:db8::1/64",
      "fe80::1%eth0",
      "/8",
      "",
      "10.0.0",
      "example.com",
    ];
    for (const entry of malformed) {
      const build = () => new ClientAddressResolver(["127.0.0.1", entry]);
      expect(build, entry).toThrow(TypeError);
      expect(build, entry).toThrow(`trustedProxies: "${entry}"`);
      let message = "";
      try {
        build();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, entry).not.toContain("\n");
    }
    expect(() => new ClientAddressResolver("10.0.0.0/8" as never)).toThrow(/^trustedProxies/);
  });

  it("accepts addresses and networks written by their first address", () => {
    const valid = [
      "10.0.0.7",
      "::1",
      "10.0.0.0/8",
      "10.0.0.7/32",
      "0.0.0.0/0",
      "192.168.0.0/16",
      "172.16.0.0/12",
      "fd00::/8",
      "2001:db8::/32",
      "2001:db8:ffff::1/128",
      "::/0",
    ];
    for (const entry of valid)
      expect(() => new ClientAddressResolver([entry]), entry).not.toThrow();
    const resolver = new ClientAddressResolver(["172.16.0.0/12", "2001:db8::/32"]);
    expect(resolver.resolve("172.31.255.254", "203.0.113.5")).toBe("203.0.113.5");
    expect(resolver.resolve("172.32.0.1", "203.0.113.5")).toBe("172.32.0.1");
    expect(resolver.resolve("2001:db8:1::1", "203.0.113.5")).toBe("203.0.113.5");
    expect(resolver.resolve("2001:db9::1", "203.0.113.5")).toBe("2001:db9::1");
  });
});

describe("MemoryRateLimitStore", () => {
  it("counts in fixed windows per key", async () => {
    const store = new MemoryRateLimitStore();
    expect(await store.hit("a", 1000, 0)).toEqual({ count: 1, resetAt: 1000 });
    expect(await store.hit("a", 1000, 999)).toEqual({ count: 2, resetAt: 1000 });
    expect(await store.hit("b", 1000, 500)).toEqual({ count: 1, resetAt: 1500 });
    expect(await store.hit("a", 1000, 1000)).toEqual({ count: 1, resetAt: 2000 });
  });

  it("keeps at most maxKeys windows, dropping the oldest first", async () => {
    const store = new MemoryRateLimitStore({ maxKeys: 100 });
    for (let n = 0; n < 1000; n++) await store.hit(`k${n}`, 60_000, n);
    // The newest keys still count on; the oldest were dropped and start again.
    expect((await store.hit("k999", 60_000, 1000)).count).toBe(2);
    expect((await store.hit("k0", 60_000, 1000)).count).toBe(1);
  });
});

describe("RateLimiter", () => {
  it("answers null under the limit, then the seconds until the window ends", async () => {
    let now = 0;
    const limiter = new RateLimiter({
      clock: () => new Date(now),
      limits: { login: { ip: { max: 2, windowSeconds: 10 } } },
    });
    expect(await limiter.hit("login", "ip", "192.0.2.1")).toBeNull();
    now = 2500;
    expect(await limiter.hit("login", "ip", "192.0.2.1")).toBeNull();
    expect(await limiter.hit("login", "ip", "192.0.2.1")).toEqual({ retryAfterSeconds: 8 });
    expect(await limiter.hit("login", "ip", "192.0.2.2")).toBeNull();
    expect(await limiter.hit("login", "ip", null)).toBeNull();
    // The account limit keeps its default.
    expect(limiter.rule("login", "account")).toEqual(DEFAULT_RATE_LIMITS.login.account);
  });

  it("refuses unknown actions and impossible rules", () => {
    expect(() => new RateLimiter({ limits: { nope: {} } as never })).toThrow(TypeError);
    expect(
      () => new RateLimiter({ limits: { login: { ip: { max: 0, windowSeconds: 1 } } } }),
    ).toThrow(RangeError);
  });
});

describe("Semaphore with a bounded queue", () => {
  it("refuses at once with ServerBusy past maxWaiting, and serves the rest in order", async () => {
    const semaphore = new Semaphore(1, { maxWaiting: 2 });
    const order: number[] = [];
    let release!: () => void;
    const first = semaphore.run(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = [1, 2].map((n) => semaphore.run(async () => void order.push(n)));
    await expect(semaphore.run(async () => 3)).rejects.toBeInstanceOf(ServerBusy);
    release();
    await Promise.all([first, ...queued]);
    expect(order).toEqual([1, 2]);
    expect(await semaphore.run(async () => "free again")).toBe("free again");
  });
});
