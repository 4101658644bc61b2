import type { RateLimitOptions } from "tessera-auth";
import { describe, expect, test } from "vitest";
import { json, loginForm, requestFrom } from "../support/request-from.js";
import { ENGINE } from "../support/test-database.js";
import { PASSWORD, TestServer } from "./harness.js";

/** Four spellings of kim@example.com that MariaDB's and MySQL's `_ci` collations match as it. */
const SPELLINGS = [
  "ki\u00ADm@example.com", // soft hyphen
  "k\u200Bim@example.com", // zero width space
  "ki\u200Dm@example.com", // zero width joiner
  "\uFF4Bim@example.com", // fullwidth k
];
const INVISIBLE = ["\u00AD", "\u034F", "\u200B", "\u200D", "\u2060", "\uFEFF", "\u0085"];

async function withServer(rateLimit: RateLimitOptions, run: (server: TestServer) => Promise<void>) {
  const server = await TestServer.start({ rateLimit });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("one account, one counter, however its address is spelled", () => {
  test("login: every spelling the database matches counts under the address's one limit", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { login: { ip: false, account: { max: 4, windowSeconds: 60 } } },
    };
    await withServer(rateLimit, async (server) => {
      await server.register("kim@example.com");
      const login = (n: number, username: string) =>
        requestFrom(`127.0.2.${n}`, `${server.url}/auth/login`, loginForm(username, PASSWORD));
      const statuses = [];
      for (const [n, spelling] of SPELLINGS.entries())
        statuses.push((await login(n + 1, spelling)).status);
      // On MariaDB/MySQL each spelling logs into kim's account; elsewhere none matches.
      expect(statuses).toEqual(Array(4).fill(ENGINE === "mysql" ? 200 : 400));
      expect((await login(9, "kim@example.com")).status).toBe(429);
    });
  });

  test("forgot-password: at most 3 emails to one mailbox, whatever the spelling", async () => {
    await withServer({ limits: { forgotPassword: { ip: false } } }, async (server) => {
      await server.register("kim@example.com");
      const statuses = [];
      for (const [n, email] of SPELLINGS.entries()) {
        const url = `${server.url}/auth/forgot-password`;
        statuses.push((await requestFrom(`127.0.2.${n + 1}`, url, json("POST", { email }))).status);
      }
      expect(statuses).toEqual([202, 202, 202, 429]);
      const again = json("POST", { email: "kim@example.com" });
      expect(
        (await requestFrom("127.0.2.9", `${server.url}/auth/forgot-password`, again)).status,
      ).toBe(429);
      // Delivery is started, not awaited: on MariaDB/MySQL the first three spellings reach kim.
      await expect.poll(() => server.mailer.sent.length).toBe(ENGINE === "mysql" ? 3 : 0);
    });
  });
});

describe("spellings no key can foresee count on the account the database finds", () => {
  // MariaDB's collation ignores the Arabic tatweel (U+0640) and reads a combining
  // latin small letter m (U+036B) as "m": no Unicode normalisation says either.
  const EXOTIC = [
    "ki\u0640m@example.com",
    "ki\u0640\u0640m@example.com",
    "\u0640kim@example.com",
    "ki\u036B@example.com",
  ];

  test.runIf(ENGINE === "mysql")("login and forgot-password on MariaDB/MySQL", async () => {
    const rateLimit: RateLimitOptions = {
      limits: {
        login: { ip: false, account: { max: 4, windowSeconds: 60 } },
        forgotPassword: { ip: false },
      },
    };
    await withServer(rateLimit, async (server) => {
      await server.register("kim@example.com");
      const login = (n: number, username: string) =>
        requestFrom(`127.0.2.${n}`, `${server.url}/auth/login`, loginForm(username, PASSWORD));
      const statuses = [];
      for (const [n, spelling] of EXOTIC.entries()) {
        statuses.push((await login(n + 1, spelling)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect((await login(9, "kim@example.com")).status).toBe(429);

      const forgot = [];
      for (const [n, email] of EXOTIC.entries()) {
        const url = `${server.url}/auth/forgot-password`;
        forgot.push((await requestFrom(`127.0.3.${n + 1}`, url, json("POST", { email }))).status);
      }
      expect(forgot).toEqual([202, 202, 202, 429]);
      await expect.poll(() => server.mailer.sent.length).toBe(3);
    });
  });
});

describe("no new account or address with invisible characters", () => {
  const refused = {
    detail: [
      {
        loc: ["body", "email"],
        msg: "value is not a valid email address",
        type: "value_error.email",
      },
    ],
  };

  test("register answers 422, as for any invalid email", async () => {
    await withServer({}, async (server) => {
      for (const invisible of INVISIBLE) {
        const email = `ki${invisible}m@example.com`;
        const response = await server.fetch("/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password: PASSWORD }),
        });
        expect(response.status, `U+${invisible.codePointAt(0)?.toString(16)}`).toBe(422);
        expect(await response.json()).toEqual(refused);
      }
      // A visible address unlike ASCII is still welcome.
      expect((await server.register("ｋim@example.com")).email).toBe("ｋim@example.com");
    });
  });

  test("PATCH /users/me answers 422 for such an email, and the address stays", async () => {
    await withServer({}, async (server) => {
      await server.register("kim@example.com");
      const token = await server.login("kim@example.com");
      for (const invisible of INVISIBLE) {
        const response = await server.fetch("/users/me", {
          method: "PATCH",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ email: `new${invisible}@example.com` }),
        });
        expect(response.status).toBe(422);
      }
      const me = await server.fetch("/users/me", { headers: { authorization: `Bearer ${token}` } });
      expect(((await me.json()) as { email: string }).email).toBe("kim@example.com");
    });
  });
});
