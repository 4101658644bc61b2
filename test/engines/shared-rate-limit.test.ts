import { RateLimiter, type RateLimitOptions } from "tessera-auth";
import { connect, KyselyRateLimitStore } from "tessera-auth/kysely";
import { expect, it } from "vitest";
import { TestServer } from "../http/harness.js";
import { loginForm, requestFrom } from "../support/request-from.js";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

it(`two instances on one ${ENGINE} database count rate limits together (KyselyRateLimitStore)`, async () => {
  const url = await freshDatabaseUrl();
  const connections = [await connect(url), await connect(url)];
  const limits = { login: { ip: { max: 3, windowSeconds: 60 }, account: false } } as const;
  const servers: TestServer[] = [];
  try {
    for (const connection of connections) {
      const rateLimit: RateLimitOptions = {
        limits,
        store: new KyselyRateLimitStore(connection.db),
      };
      servers.push(await TestServer.start({ databaseUrl: url, rateLimit }));
    }
    const [a, b] = servers as [TestServer, TestServer];
    const login = (server: TestServer) =>
      requestFrom("127.0.0.2", `${server.url}/auth/login`, loginForm("nobody@example.com", "x"));
    const statuses = [(await login(a)).status, (await login(b)).status, (await login(a)).status];
    expect(statuses).toEqual([400, 400, 400]);
    expect((await login(b)).status).toBe(429);
    expect((await login(a)).status).toBe(429);
  } finally {
    for (const server of servers) await server.close();
    for (const connection of connections) await connection.close();
  }
});

it(`concurrent hits on one key through two connections to ${ENGINE}: each gets its own count`, async () => {
  const url = await freshDatabaseUrl();
  const connections = [await connect(url), await connect(url)];
  try {
    const stores = connections.map((connection) => new KyselyRateLimitStore(connection.db));
    const now = Date.parse("2026-01-31T12:00:00Z");
    const hits = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        (stores[n % 2] as KyselyRateLimitStore).hit("k", 60_000, now),
      ),
    );
    expect(hits.map((hit) => hit.count).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 40 }, (_, n) => n + 1),
    );
    for (const hit of hits) expect(hit.resetAt).toBe(now + 60_000);
    // The window ends: counting starts again, with a new end.
    expect(await (stores[0] as KyselyRateLimitStore).hit("k", 60_000, now + 60_000)).toEqual({
      count: 1,
      resetAt: now + 120_000,
    });
    // Through the limiter: exactly `max` of many concurrent requests pass.
    const limiter = new RateLimiter({
      store: stores[1],
      limits: { verify: { ip: { max: 5, windowSeconds: 60 } } },
    });
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, () => limiter.hit("verify", "ip", "192.0.2.1")),
    );
    expect(verdicts.filter((verdict) => verdict === null)).toHaveLength(5);
  } finally {
    for (const connection of connections) await connection.close();
  }
});
