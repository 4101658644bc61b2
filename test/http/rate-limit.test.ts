import { PasswordHelper, type RateLimitOptions } from "tessera-auth";
import { describe, expect, test } from "vitest";
import { exchange } from "../support/raw-http.js";
import { type Answer, json, loginForm, requestFrom } from "../support/request-from.js";
import { PASSWORD, TestServer } from "./harness.js";

const TOO_MANY = JSON.stringify({ detail: "Too Many Requests" });
const off = { ip: false, account: false } as const;

async function withServer(
  options: {
    rateLimit?: RateLimitOptions | false;
    trustedProxies?: string[];
    passwordHelper?: PasswordHelper;
  },
  run: (server: TestServer) => Promise<void>,
) {
  const server = await TestServer.start(options);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

function expectTooMany(answer: Answer, retryAfter: string) {
  expect({ status: answer.status, body: answer.body }).toEqual({ status: 429, body: TOO_MANY });
  expect(answer.headers["content-type"]).toBe("application/json");
  expect(answer.headers["retry-after"]).toBe(retryAfter);
}

describe("rate limits", () => {
  test("login: past the limit of one address, 429 with Retry-After; other addresses and the next window are served", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { login: { ip: { max: 3, windowSeconds: 60 }, account: false } },
    };
    await withServer({ rateLimit }, async (server) => {
      await server.register("alice@example.com");
      const login = (from: string, password = "wrong password") =>
        requestFrom(from, `${server.url}/auth/login`, loginForm("alice@example.com", password));
      for (let n = 0; n < 3; n++) expect((await login("127.0.0.2")).status).toBe(400);
      expectTooMany(await login("127.0.0.2", PASSWORD), "60");
      expect((await login("127.0.0.3", PASSWORD)).status).toBe(200);
      server.clock.advance(30_000);
      expectTooMany(await login("127.0.0.2", PASSWORD), "30");
      server.clock.advance(30_000);
      expect((await login("127.0.0.2", PASSWORD)).status).toBe(200);
    });
  });

  test("login: one account is limited across addresses, ignoring case; other accounts are not", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { login: { ip: false, account: { max: 3, windowSeconds: 60 } } },
    };
    await withServer({ rateLimit }, async (server) => {
      await server.register("alice@example.com");
      await server.register("bob@example.com");
      const login = (from: string, username: string) =>
        requestFrom(from, `${server.url}/auth/login`, loginForm(username, PASSWORD));
      expect((await login("127.0.0.2", "alice@example.com")).status).toBe(200);
      expect((await login("127.0.0.3", "ALICE@example.com")).status).toBe(200);
      expect((await login("127.0.0.4", "alice@EXAMPLE.COM")).status).toBe(200);
      expectTooMany(await login("127.0.0.5", "alice@example.com"), "60");
      expect((await login("127.0.0.5", "bob@example.com")).status).toBe(200);
    });
  });

  test("forgot-password and request-verify-token send at most 3 emails to one address, from any number of clients", async () => {
    await withServer({ rateLimit: {} }, async (server) => {
      await server.register("alice@example.com");
      for (const path of ["/auth/forgot-password", "/auth/request-verify-token"]) {
        const before = server.mailer.sent.length;
        const answers: Answer[] = [];
        for (let n = 0; n < 10; n++) {
          answers.push(
            await requestFrom(
              `127.0.1.${n + 1}`,
              `${server.url}${path}`,
              json("POST", {
                email: n % 2 ? "alice@example.com" : "ALICE@example.com",
              }),
            ),
          );
        }
        expect(answers.map((answer) => answer.status)).toEqual([
          202,
          202,
          202,
          ...Array(7).fill(429),
        ]);
        for (const answer of answers.slice(3)) expectTooMany(answer, "900");
        // Delivery is started, not awaited, by the route.
        await expect.poll(() => server.mailer.sent.length - before).toBe(3);
      }
    });
  });

  test("register, reset-password and verify are limited per address", async () => {
    const ipOnly = { ip: { max: 2, windowSeconds: 60 }, account: false } as const;
    const rateLimit: RateLimitOptions = {
      limits: { register: ipOnly, resetPassword: ipOnly, verify: ipOnly },
    };
    await withServer({ rateLimit }, async (server) => {
      const cases = [
        ["/auth/register", (n: number) => ({ email: `user${n}@example.com`, password: PASSWORD })],
        ["/auth/reset-password", () => ({ token: "not-a-token", password: PASSWORD })],
        ["/auth/verify", () => ({ token: "not-a-token" })],
      ] as const;
      for (const [path, body] of cases) {
        const statuses = [];
        for (let n = 0; n < 3; n++) {
          statuses.push(
            (await requestFrom("127.0.0.2", `${server.url}${path}`, json("POST", body(n)))).status,
          );
        }
        expect(statuses.slice(0, 2)).not.toContain(429);
        expect(statuses[2]).toBe(429);
        expect(
          (await requestFrom("127.0.0.3", `${server.url}${path}`, json("POST", body(9)))).status,
        ).not.toBe(429);
      }
    });
  });

  test("a limited request is refused before its body is checked", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { register: { ip: { max: 1, windowSeconds: 60 } } },
    };
    await withServer({ rateLimit }, async (server) => {
      const url = `${server.url}/auth/register`;
      const malformed = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{",
      };
      expect((await requestFrom("127.0.0.2", url, malformed)).status).toBe(422);
      expectTooMany(await requestFrom("127.0.0.2", url, malformed), "60");
    });
  });

  test("a refused login keeps its connection open when its body is small, and closes it when unsized", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { login: { ip: { max: 1, windowSeconds: 60 }, account: false } },
    };
    await withServer({ rateLimit }, async (server) => {
      const form = Buffer.from("username=a%40example.com&password=wrong");
      const login = {
        method: "POST",
        path: "/auth/login",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
      };
      expect((await exchange(server.url, login).response).status).toBe(400);

      // Sized: the body is read and dropped; the next request on the connection is answered.
      const next = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      const kept = exchange(server.url, { ...login, pipelined: next, readToClose: true });
      const refused = await kept.response;
      expect({ status: refused.status, body: refused.body }).toEqual({
        status: 429,
        body: TOO_MANY,
      });
      expect(refused.headers.connection).not.toBe("close");
      const answers = (await kept.received).match(/HTTP\/1\.1 \d+/g);
      expect(answers).toEqual(["HTTP/1.1 429", "HTTP/1.1 200"]);
      await kept.closed;

      // Chunked: the size is unknown, so the connection closes after the answer.
      const unsized = exchange(server.url, { ...login, chunked: true, readToClose: true });
      expect((await unsized.response).headers.connection).toBe("close");
      await unsized.closed;
    });
  });

  test("X-Forwarded-For is ignored unless the peer is a trusted proxy", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { login: { ip: { max: 2, windowSeconds: 60 }, account: false } },
    };
    const attempt = (server: TestServer, forwardedFor: string) =>
      requestFrom("127.0.0.2", `${server.url}/auth/login`, {
        ...loginForm("nobody@example.com", "x"),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-forwarded-for": forwardedFor,
        },
      });
    await withServer({ rateLimit }, async (server) => {
      const statuses = [];
      for (let n = 1; n <= 3; n++) statuses.push((await attempt(server, `203.0.113.${n}`)).status);
      expect(statuses).toEqual([400, 400, 429]);
    });
    await withServer({ rateLimit, trustedProxies: ["127.0.0.0/8"] }, async (server) => {
      const spread = [];
      for (let n = 1; n <= 3; n++) spread.push((await attempt(server, `203.0.113.${n}`)).status);
      expect(spread).toEqual([400, 400, 400]);
      // The rightmost untrusted address is the client: what a client writes on the left is not.
      const same = [];
      for (let n = 1; n <= 3; n++) {
        same.push((await attempt(server, `198.51.100.${n}, 203.0.113.9, 127.0.0.7`)).status);
      }
      expect(same).toEqual([400, 400, 429]);
    });
  });

  test("on by default in the demo: the 21st login in a minute from one address gets 429", async () => {
    await withServer({ rateLimit: {} }, async (server) => {
      const statuses = [];
      for (let n = 0; n < 21; n++) {
        const answer = await requestFrom(
          "127.0.0.2",
          `${server.url}/auth/login`,
          loginForm(`someone${n}@example.com`, "x"),
        );
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([...Array(20).fill(400), 429]);
    });
  });

  test("limits can be turned off per action", async () => {
    await withServer({ rateLimit: { limits: { login: off } } }, async (server) => {
      for (let n = 0; n < 25; n++) {
        const answer = await requestFrom(
          "127.0.0.2",
          `${server.url}/auth/login`,
          loginForm("nobody@example.com", "x"),
        );
        expect(answer.status).toBe(400);
      }
    });
  });
});

describe("bounded password hashing", () => {
  test("with the hashing queue full, a first login from a new address is served before a flooding address's", async () => {
    // Costly hashes, so the queue stays full while the flood's refusals come back.
    const passwordHelper = new PasswordHelper({
      maxConcurrency: 1,
      maxQueue: 2,
      memoryCost: 65536,
      timeCost: 4,
    });
    const rateLimit: RateLimitOptions = {
      limits: { login: { ip: { max: 100, windowSeconds: 60 }, account: false } },
    };
    await withServer({ rateLimit, passwordHelper }, async (server) => {
      await server.register("alice@example.com");
      const login = (from: string, password: string) =>
        requestFrom(from, `${server.url}/auth/login`, loginForm("alice@example.com", password));
      // One address, ten logins at once: one hashes, two wait, seven are refused.
      const flood: Promise<Answer>[] = [];
      for (let n = 0; n < 10; n++) {
        flood.push(login("127.0.3.1", "wrong password"));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const refusedAtOnce = await Promise.all(flood.slice(3));
      expect(refusedAtOnce.map((answer) => answer.status)).toEqual(Array(7).fill(503));
      // A first attempt from another address goes ahead of the flood's third, which is refused.
      const newcomer = login("127.0.3.2", PASSWORD);
      const queued = (await Promise.all(flood.slice(0, 3))).map((answer) => answer.status);
      expect(queued).toEqual([400, 400, 503]);
      expect((await newcomer).status).toBe(200);
    });
  });

  test("past the queue, logins answer 503 with Retry-After at once; the rest are served", async () => {
    const passwordHelper = new PasswordHelper({ maxConcurrency: 1, maxQueue: 2 });
    await withServer({ rateLimit: false, passwordHelper }, async (server) => {
      await server.register("alice@example.com");
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          requestFrom(
            `127.0.2.${n + 1}`,
            `${server.url}/auth/login`,
            loginForm("alice@example.com", PASSWORD),
          ),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
      const refused = answers.filter((answer) => answer.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        expect(answer.body).toBe(JSON.stringify({ detail: "Service Unavailable" }));
        expect(answer.headers["retry-after"]).toBe("1");
      }
      expect(
        (
          await requestFrom(
            "127.0.0.2",
            `${server.url}/auth/login`,
            loginForm("alice@example.com", PASSWORD),
          )
        ).status,
      ).toBe(200);
    });
  });
});
