import { expect, it } from "vitest";
import { bearer, jsonBody, PASSWORD, TOKEN } from "../http/harness.js";
import { DemoProcess } from "../support/demo-process.js";
import { freshDatabaseUrl } from "../support/test-database.js";

async function login(instance: DemoProcess, username: string): Promise<string> {
  const response = await instance.fetch("/auth/login", {
    method: "POST",
    body: new URLSearchParams({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  const { access_token } = (await response.json()) as { access_token: string };
  expect(access_token).toMatch(TOKEN);
  return access_token;
}

it("two server processes on one PostgreSQL database share sessions: a token of one works on the other, a logout on one is refused by the other at once", async () => {
  const url = await freshDatabaseUrl();
  // Both start (and migrate) at the same time.
  const [a, b] = await Promise.all([DemoProcess.start(url), DemoProcess.start(url)]);
  try {
    const register = await a.fetch(
      "/auth/register",
      jsonBody("POST", { email: "ada@example.com", password: PASSWORD }),
    );
    expect(register.status).toBe(201);

    const fromA = await login(a, "ada@example.com");
    const fromB = await login(b, "ada@example.com");
    for (const instance of [a, b]) {
      for (const token of [fromA, fromB]) {
        expect((await instance.fetch("/users/me", { headers: bearer(token) })).status).toBe(200);
      }
    }

    const logout = await b.fetch("/auth/logout", { method: "POST", headers: bearer(fromA) });
    expect(logout.status).toBe(204);
    const refused = await a.fetch("/users/me", { headers: bearer(fromA) });
    expect({ status: refused.status, body: await refused.json() }).toEqual({
      status: 401,
      body: { detail: "Unauthorized" },
    });
    expect((await a.fetch("/users/me", { headers: bearer(fromB) })).status).toBe(200);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
