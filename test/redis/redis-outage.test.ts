import { Redis } from "ioredis";
import { DatabaseUnavailableError, type User, type UserManager } from "tessera-auth";
import { RedisRateLimitStore, RedisStrategy, redisChannel } from "tessera-auth/redis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";
import {
  freePort,
  RedisServerProcess,
  redisServerMissing,
} from "../support/redis-server-process.js";
import { TcpProxy } from "../support/tcp-proxy.js";

/** What a 503 may take on this busy 2-core machine: Redis is known down, or a call's timeout passed. */
const ANSWER_MS = 2000;

const missing = redisServerMissing();

/** How long a call took, and how it ended. */
async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; outcome: T | unknown }> {
  const started = performance.now();
  const outcome = await call().catch((error: unknown) => error);
  return { ms: performance.now() - started, outcome };
}

/** Polls `ok` every 100 ms until it holds (Redis back, the client reconnected), at most 10 s. */
async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (await ok()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("never");
}

describe.skipIf(missing !== null)(`Redis down${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let redis: RedisServerProcess;
  beforeEach(async () => {
    redis = await RedisServerProcess.start();
  });
  afterEach(() => redis.stop());

  it("the demo on the Redis strategy: login and /users/me answer 503 in bounded time, /health says redis is down, one line per change, and all works again when Redis returns", async () => {
    const demo = await DemoProcess.start("sqlite::memory:", {
      env: { TESSERA_STRATEGY: "redis", REDIS_URL: redis.url },
    });
    try {
      const credentials = { email: "ada@example.com", password: "analytical engine" };
      const register = await demo.fetch("/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentials),
      });
      expect(register.status).toBe(201);
      const login = () =>
        demo.fetch("/auth/login", {
          method: "POST",
          body: new URLSearchParams({
            username: credentials.email,
            password: credentials.password,
          }),
        });
      const tokenOf = async (response: Response) =>
        ((await response.json()) as { access_token: string }).access_token;
      let token = await tokenOf(await login());
      const me = () => demo.fetch("/users/me", { headers: { authorization: `Bearer ${token}` } });
      expect((await me()).status).toBe(200);
      const health = await demo.fetch("/health");
      expect({ status: health.status, body: await health.json() }).toEqual({
        status: 200,
        body: { ok: true },
      });

      await redis.stop();
      for (const request of [login, me, login, me]) {
        const { ms, outcome } = await timed(request);
        const response = outcome as Response;
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ detail: expect.any(String) });
        expect(response.headers.get("retry-after")).not.toBeNull();
        expect(ms).toBeLessThan(ANSWER_MS);
      }
      const down = await demo.fetch("/health");
      expect({ status: down.status, body: await down.json() }).toEqual({
        status: 503,
        body: { ok: false, detail: "Redis is unreachable", redis: "down" },
      });
      // A few reconnection attempts fail meanwhile: each used to print ioredis' "Unhandled error event".
      await new Promise((resolve) => setTimeout(resolve, 1500));

      // The test's Redis keeps nothing on disk: its sessions are gone, a new login works.
      await redis.start();
      let again: Response | undefined;
      await until(async () => {
        again = await login();
        return again.status === 200;
      });
      token = await tokenOf(again as Response);
      expect((await me()).status).toBe(200);
      expect((await demo.fetch("/health")).status).toBe(200);
      const redisLines = demo.output.split("\n").filter((line) => /redis/i.test(line));
      expect(redisLines.filter((line) => !line.startsWith("tessera demo on"))).toEqual([
        expect.stringMatching(
          /^tessera: Redis is unreachable \(\w+.*\); its requests answer 503 until it returns$/,
        ),
        "tessera: Redis is reachable again",
      ]);
      expect(demo.output).not.toMatch(/Unhandled error event|unhandled error on/);
    } finally {
      await demo.stop();
    }
  });

  it("the demo with REDIS_URL at a closed port stops at startup, naming REDIS_URL, as with an unreachable DATABASE_URL", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const start = DemoProcess.start("sqlite::memory:", {
      env: { TESSERA_STRATEGY: "redis", REDIS_URL: url },
    });
    await expect(start).rejects.toThrow(
      `REDIS_URL: cannot connect to Redis at ${url}: ECONNREFUSED: start Redis, or set REDIS_URL to it`,
    );
  });

  describe("a client of the user's own, ioredis' defaults (offline queue, 20 retries)", () => {
    let proxy: TcpProxy;
    let client: Redis;
    const logged: string[] = [];
    beforeEach(async () => {
      proxy = await TcpProxy.start("127.0.0.1", redis.port);
      client = new Redis(`redis://127.0.0.1:${proxy.port}`);
      logged.length = 0;
    });
    afterEach(async () => {
      client.disconnect();
      await proxy.close();
    });

    it("the rate-limit store: 503 at once when the server is gone, within timeoutMs when it is silent, counting again after", async () => {
      const store = new RedisRateLimitStore(client, {
        timeoutMs: 300,
        log: (line) => logged.push(line),
      });
      expect((await store.hit("k", 60_000, 0)).count).toBe(1);

      await proxy.cut();
      const gone = await timed(() => store.hit("k", 60_000, 0));
      expect(gone.outcome).toBeInstanceOf(DatabaseUnavailableError);
      expect(gone.ms).toBeLessThan(ANSWER_MS);

      await proxy.restore();
      await until(async () => client.status === "ready");
      // At least 2: ioredis' offline queue may still count the refused hit once Redis is back.
      expect((await store.hit("k", 60_000, 0)).count).toBeGreaterThanOrEqual(2);

      await proxy.blackhole();
      const silent = await timed(() => store.hit("k", 60_000, 0));
      expect(silent.outcome).toBeInstanceOf(DatabaseUnavailableError);
      expect(silent.ms).toBeGreaterThanOrEqual(290);
      expect(silent.ms).toBeLessThan(300 + ANSWER_MS);
      expect(logged).toEqual([
        expect.stringMatching(/^tessera: Redis is unreachable \(.+\); its requests answer 503/),
        "tessera: Redis is reachable again",
      ]);
    });

    it("the strategy: reading, writing and ending tokens answer DatabaseUnavailableError in bounded time", async () => {
      const strategy = new RedisStrategy<User<string>, string>(client, {
        lifetimeSeconds: 3600,
        keyPrefix: `tessera-outage:${process.pid}:`,
        timeoutMs: 300,
        log: (line) => logged.push(line),
      });
      const user = {
        id: "u1",
        email: "ada@example.com",
        hashedPassword: "x",
        isActive: true,
        isSuperuser: false,
        isVerified: false,
        securityStamp: 0,
      } as User<string>;
      const manager = {
        parseId: (id: string) => id,
        get: async () => user,
      } as unknown as UserManager<User<string>, string>;
      const token = await strategy.writeToken(user);
      expect(await strategy.readToken(token, manager)).toBe(user);

      // Silent, then gone (a partition ends with its connections reset: bytes the proxy dropped are lost).
      for (const fault of ["blackhole", "cut"] as const) {
        await proxy[fault]();
        const calls: Array<() => Promise<unknown>> = [
          () => strategy.readToken(token, manager),
          () => strategy.writeToken(user),
          () => strategy.listSessions(user),
          () => strategy.destroyAllTokens(user),
        ];
        for (const call of calls) {
          const { ms, outcome } = await timed(call);
          expect(outcome).toBeInstanceOf(DatabaseUnavailableError);
          expect(ms).toBeLessThan(300 + ANSWER_MS);
        }
      }
      await proxy.restore();
      await until(async () => client.status === "ready");
      expect(await strategy.readToken(token, manager)).toBe(user);
      await strategy.destroyToken(token, user);
    });
  });

  it("the cache's channel: a publish while Redis is gone rejects at once as unavailable (the cache retries it), and goes through when it is back", async () => {
    const downs: string[] = [];
    const channel = redisChannel({ url: redis.url, channel: `tessera-outage:${process.pid}` });
    await channel.start(
      {
        message: () => {},
        confirmed: () => {},
        down: (reason) => downs.push(reason),
        now: () => performance.now(),
        active: () => false,
      },
      { heartbeatMs: 50 },
    );
    try {
      await channel.publish("before");
      await redis.stop();
      await until(async () => downs.length > 0);
      const gone = await timed(() => channel.publish("during"));
      expect(gone.outcome).toBeInstanceOf(DatabaseUnavailableError);
      expect(gone.ms).toBeLessThan(ANSWER_MS);
      await redis.start();
      await until(() =>
        channel.publish("after").then(
          () => true,
          () => false,
        ),
      );
    } finally {
      await channel.close();
    }
  });
});
