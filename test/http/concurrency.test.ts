import { hashToken, PasswordHelper } from "tessera-auth";
import { describe, expect, test } from "vitest";
import { bearer, expectDetail, jsonBody, PASSWORD, TestServer, TOKEN } from "./harness.js";

const PARALLEL = 32;

/** A SQLite file (WAL, as a deployment runs it) or the engine's server, and the default argon2id cost. */
async function withFileServer(run: (server: TestServer) => Promise<void>) {
  // A queue that waits as long as it takes: this is about concurrency, not the queue's policy.
  const passwordHelper = new PasswordHelper({ maxQueueWaitMs: 60_000 });
  const server = await TestServer.start({ database: "file", passwordHelper });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("concurrency on a database file or server with the default password hashing", () => {
  test(`${PARALLEL} concurrent logins all succeed with distinct working tokens`, async () => {
    await withFileServer(async (server) => {
      await server.register("alice@example.com");
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, n) =>
          server.fetch("/auth/login", {
            method: "POST",
            body: new URLSearchParams({
              username: n % 2 ? "alice@example.com" : "ALICE@example.com",
              password: PASSWORD,
            }),
          }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(PARALLEL).fill(200));
      const bodies = (await Promise.all(responses.map((response) => response.json()))) as {
        access_token: string;
        token_type: string;
      }[];
      const tokens = bodies.map((body) => body.access_token);
      for (const body of bodies) expect(body.token_type).toBe("bearer");
      for (const token of tokens) expect(token).toMatch(TOKEN);
      expect(new Set(tokens).size).toBe(PARALLEL);

      const rows = await server.setup.db.selectFrom("accesstoken").select("token").execute();
      expect(rows.map((row) => row.token).sort()).toEqual(tokens.map(hashToken).sort());
      const checks = await Promise.all(tokens.map((token) => server.me(bearer(token))));
      expect(checks.map((response) => response.status)).toEqual(Array(PARALLEL).fill(200));
    });
  });

  test(`${PARALLEL} concurrent registrations of one email: one 201, the rest 400`, async () => {
    await withFileServer(async (server) => {
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, n) =>
          server.fetch(
            "/auth/register",
            jsonBody("POST", {
              email: n % 2 ? "bob@example.com" : "BOB@example.com",
              password: PASSWORD,
            }),
          ),
        ),
      );
      const created = responses.filter((response) => response.status === 201);
      const refused = responses.filter((response) => response.status !== 201);
      expect(created).toHaveLength(1);
      for (const response of refused) {
        await expectDetail(response, 400, "REGISTER_USER_ALREADY_EXISTS");
      }
      expect(await server.setup.db.selectFrom("user").selectAll().execute()).toHaveLength(1);
    });
  });
});
