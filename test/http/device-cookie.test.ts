import type { RateLimitOptions } from "tessera-auth";
import { describe, expect, test } from "vitest";
import { type Answer, loginForm, requestFrom } from "../support/request-from.js";
import { PASSWORD, TestServer } from "./harness.js";

const DEVICE = /^tessera_device=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+); /;
const ATTRIBUTES = "HttpOnly; Max-Age=31536000; Path=/auth; SameSite=Strict; Secure";

async function withServer(rateLimit: RateLimitOptions, run: (server: TestServer) => Promise<void>) {
  const server = await TestServer.start({ rateLimit });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** The `Set-Cookie` values of an answer. */
function setCookies(answer: Answer): string[] {
  const header = answer.headers["set-cookie"];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

/** The device cookie an answer sets, as a `Cookie` header would send it back. */
function deviceCookie(answer: Answer): string {
  const line = setCookies(answer).find((value) => DEVICE.test(value));
  expect(line, "a device cookie is set").toBeDefined();
  return `tessera_device=${DEVICE.exec(line as string)?.[1]}`;
}

function loginFrom(
  server: TestServer,
  from: string,
  username: string,
  password: string,
  cookie?: string,
  path = "/auth/login",
) {
  const form = loginForm(username, password);
  const headers = cookie === undefined ? form.headers : { ...form.headers, cookie };
  return requestFrom(from, `${server.url}${path}`, { ...form, headers });
}

/** Ten wrong passwords for the account, each from another address: its anonymous limit (10 a minute) is spent. */
async function flood(server: TestServer, email: string) {
  for (let n = 1; n <= 10; n++) {
    expect((await loginFrom(server, `127.0.4.${n}`, email, "wrong password")).status).toBe(400);
  }
}

describe("device cookies: an account under attack still lets in the devices that logged in before", () => {
  test("after ten wrong passwords from ten addresses, the owner's device logs in; a fresh one gets 429", async () => {
    await withServer({}, async (server) => {
      await server.register("alice@example.com");
      const cookie = deviceCookie(
        await loginFrom(server, "127.0.3.1", "alice@example.com", PASSWORD),
      );
      server.clock.advance(60_000); // a new window: only the flood counts
      await flood(server, "alice@example.com");
      const fresh = await loginFrom(server, "127.0.5.1", "alice@example.com", PASSWORD);
      expect(fresh.status).toBe(429);
      const owner = await loginFrom(server, "127.0.5.2", "alice@example.com", PASSWORD, cookie);
      expect(owner.status).toBe(200);
      expect(deviceCookie(owner)).toBe(cookie); // the device keeps its cookie, renewed
      // The cookie also opens the cookie backend's login (Path=/auth covers it).
      const path = "/auth/cookie/login";
      const viaCookie = await loginFrom(
        server,
        "127.0.5.3",
        "alice@example.com",
        PASSWORD,
        cookie,
        path,
      );
      expect(viaCookie.status).toBe(204);
    });
  });

  test("a forged or altered cookie, or another account's, counts as anonymous", async () => {
    await withServer({}, async (server) => {
      await server.register("alice@example.com");
      await server.register("bob@example.com");
      const alice = deviceCookie(
        await loginFrom(server, "127.0.3.1", "alice@example.com", PASSWORD),
      );
      const bob = deviceCookie(await loginFrom(server, "127.0.3.2", "bob@example.com", PASSWORD));
      server.clock.advance(60_000);
      await flood(server, "alice@example.com");
      const [name, value] = alice.split("=") as [string, string];
      const [tag, device, mac] = value.split(".") as [string, string, string];
      const flip = (text: string) =>
        `${text.slice(0, -2)}${text.at(-2) === "A" ? "B" : "A"}${text.at(-1)}`;
      const forgeries = [
        `${name}=${tag}.${device}.${flip(mac)}`, // altered signature
        `${name}=${tag}.${flip(device)}.${mac}`, // another device id under alice's signature
        `${name}=${flip(tag)}.${device}.${mac}`, // another account tag
        `${name}=${tag}.${device}`, // no signature
        bob, // bob's genuine cookie
      ];
      for (const [n, cookie] of forgeries.entries()) {
        const answer = await loginFrom(
          server,
          `127.0.6.${n + 1}`,
          "alice@example.com",
          PASSWORD,
          cookie,
        );
        expect(answer.status, cookie).toBe(429);
      }
      // Bob's cookie still opens bob's account.
      expect((await loginFrom(server, "127.0.6.9", "bob@example.com", PASSWORD, bob)).status).toBe(
        200,
      );
    });
  });

  test("a stolen cookie is limited on its own: its device gets its own few tries, the owner's other devices are unharmed", async () => {
    const rateLimit: RateLimitOptions = {
      limits: { login: { device: { max: 3, windowSeconds: 60 } } },
    };
    await withServer(rateLimit, async (server) => {
      await server.register("alice@example.com");
      const stolen = deviceCookie(
        await loginFrom(server, "127.0.3.1", "alice@example.com", PASSWORD),
      );
      const other = deviceCookie(
        await loginFrom(server, "127.0.3.2", "alice@example.com", PASSWORD),
      );
      server.clock.advance(60_000);
      for (let n = 1; n <= 3; n++) {
        const guess = await loginFrom(server, `127.0.7.${n}`, "alice@example.com", "guess", stolen);
        expect(guess.status).toBe(400);
      }
      const more = await loginFrom(server, "127.0.7.9", "alice@example.com", PASSWORD, stolen);
      expect(more.status).toBe(429);
      expect(more.headers["retry-after"]).toBe("60");
      expect(
        (await loginFrom(server, "127.0.8.1", "alice@example.com", PASSWORD, other)).status,
      ).toBe(200);
      expect((await loginFrom(server, "127.0.8.2", "alice@example.com", PASSWORD)).status).toBe(
        200,
      );
    });
  });

  test("every successful login sets the cookie, bearer and cookie transport alike, and no failed one does", async () => {
    await withServer({}, async (server) => {
      await server.register("alice@example.com");
      const bearer = await loginFrom(server, "127.0.3.1", "alice@example.com", PASSWORD);
      expect(bearer.status).toBe(200);
      expect(JSON.parse(bearer.body)).toMatchObject({ token_type: "bearer" });
      const [bearerDevice] = setCookies(bearer);
      expect(bearerDevice).toMatch(DEVICE);
      expect(bearerDevice?.replace(DEVICE, "")).toBe(ATTRIBUTES);

      const path = "/auth/cookie/login";
      const cookie = await loginFrom(
        server,
        "127.0.3.2",
        "alice@example.com",
        PASSWORD,
        undefined,
        path,
      );
      expect(cookie.status).toBe(204);
      const values = setCookies(cookie);
      expect(values).toHaveLength(2);
      expect(values[0]).toMatch(/^fastapiusersauth=[^;"]+; HttpOnly; /);
      expect(values[1]?.replace(DEVICE, "")).toBe(ATTRIBUTES);
      expect(deviceCookie(cookie)).not.toBe(deviceCookie(bearer)); // each device its own id

      const failed = await loginFrom(server, "127.0.3.3", "alice@example.com", "wrong password");
      expect(failed.status).toBe(400);
      expect(setCookies(failed)).toEqual([]);
    });
  });

  test("with rate limits off, no device cookie is set", async () => {
    const server = await TestServer.start({ rateLimit: false });
    try {
      await server.register("alice@example.com");
      const answer = await loginFrom(server, "127.0.3.1", "alice@example.com", PASSWORD);
      expect(answer.status).toBe(200);
      expect(setCookies(answer)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
