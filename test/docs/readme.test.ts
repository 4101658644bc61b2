import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import type { CacheStatus } from "tessera-auth";
import { afterAll, describe, expect, it, vi } from "vitest";
import { MONGODB_URL, mongoTestDatabase, mongoUnavailable } from "../support/mongodb.js";
import { redisUnavailable } from "../support/redis.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = resolve(ROOT, "src/cli/main.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
const redisMissing = await redisUnavailable();
const mongoMissing = await mongoUnavailable();
/** The README and the guides under docs/: their examples are checked alike. */
const documentation = [
  readme,
  ...readdirSync(resolve(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => readFileSync(resolve(ROOT, "docs", name), "utf8")),
].join("\n");

/** The fenced block that follows a `<!-- file: path -->` marker in the README or docs/. */
function blockFor(path: string, language = "ts"): string {
  const marker = `<!-- file: ${path} -->`;
  const start = documentation.indexOf(marker);
  if (start === -1) throw new Error(`README and docs/ have no ${marker}`);
  const match = new RegExp(`^${marker}\n\`\`\`${language}\n([\\s\\S]*?)\`\`\``).exec(
    documentation.slice(start),
  );
  if (!match) throw new Error(`no \`\`\`${language} block right after ${marker}`);
  return match[1] ?? "";
}

describe("README", () => {
  afterAll(() => {
    for (const suffix of ["", "-wal", "-shm"])
      rmSync(resolve(ROOT, `app.db${suffix}`), { force: true });
  });

  it("stays short: at most 360 lines (the examples of every store and strategy), the rest in docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(360);
  });

  it("opens with exactly the two commands: run the demo, run the tests", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const commands = firstBlock.split("\n").filter((line) => line.trim() && !line.startsWith("#"));
    expect(commands.map((line) => line.replace(/\s+#.*$/, "").trim())).toEqual([
      "npm ci && npm start",
      "npm ci && npm test",
    ]);
    expect(readme.indexOf(firstBlock)).toBeLessThan(1200);
  });

  it("shows each framework's app exactly as its example file (the HTTP suite runs them)", () => {
    for (const framework of ["hono", "express", "fastify"]) {
      const path = `examples/${framework}/app.ts`;
      expect(blockFor(path)).toBe(readFileSync(resolve(ROOT, path), "utf8"));
    }
  });

  it("shows the quick start exactly as examples/quickstart.ts, which works", async () => {
    const source = readFileSync(resolve(ROOT, "examples/quickstart.ts"), "utf8");
    expect(blockFor("examples/quickstart.ts")).toBe(source);

    const { app } = await import("../../examples/quickstart.js");
    const register = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `king-${Date.now()}@example.com`, password: "correct horse" }),
    });
    expect(register.status).toBe(201);
    const { email } = (await register.json()) as { email: string };
    const login = await app.request("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: email, password: "correct horse" }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const hello = await app.request("/authenticated-route", {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(await hello.json()).toEqual({ message: `Hello ${email}!` });
    expect((await app.request("/authenticated-route")).status).toBe(401);
  });

  it("shows the account lifecycle exactly as examples/account-lifecycle.ts, which works", async () => {
    const source = readFileSync(resolve(ROOT, "examples/account-lifecycle.ts"), "utf8");
    expect(blockFor("examples/account-lifecycle.ts")).toBe(source);

    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((text) => void printed.push(text));
    try {
      const { app } = await import("../../examples/account-lifecycle.js");
      const json = (body: unknown) => ({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const email = "grace@example.com";
      expect(
        (await app.request("/auth/register", json({ email, password: "compiler" }))).status,
      ).toBe(201);
      expect((await app.request("/auth/forgot-password", json({ email }))).status).toBe(202);
      const token = /reset-password\?token=(\S+)/.exec(printed.join("\n"))?.[1] ?? "";
      const reset = await app.request(
        "/auth/reset-password",
        json({ token: decodeURIComponent(token), password: "nanoseconds" }),
      );
      expect(reset.status).toBe(200);
      const login = await app.request("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: email, password: "nanoseconds" }),
      });
      expect(login.status).toBe(200);
      const document = (await (await app.request("/openapi.json")).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(document.paths)).toContain("/auth/reset-password");
      expect((await app.request("/docs")).status).toBe(200);
    } finally {
      log.mockRestore();
    }
  });

  it("shows the session cache exactly as examples/session-cache.ts, which serves hits and refuses a logged-out token", async () => {
    const source = readFileSync(resolve(ROOT, "examples/session-cache.ts"), "utf8");
    expect(blockFor("examples/session-cache.ts")).toBe(source);

    const { app, cache } = await import("../../examples/session-cache.js");
    try {
      const register = await app.request("/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "ada@example.com", password: "analytical engine" }),
      });
      expect(register.status).toBe(201);
      const login = await app.request("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: "ada@example.com", password: "analytical engine" }),
      });
      const { access_token } = (await login.json()) as { access_token: string };
      const headers = { authorization: `Bearer ${access_token}` };
      const status = async () => (await (await app.request("/cache")).json()) as CacheStatus;
      // Ready: up, or idle (no lookup for 5 s, as a slow registration on a loaded machine
      // leaves it), which the next lookup wakes.
      await vi.waitFor(async () => expect(["up", "idle"]).toContain((await status()).state));
      if ((await status()).state === "idle") {
        expect((await app.request("/users/me", { headers })).status).toBe(200);
        await vi.waitFor(async () => expect((await status()).state).toBe("up"));
      }
      const before = await status();
      expect((await app.request("/users/me", { headers })).status).toBe(200);
      expect((await app.request("/users/me", { headers })).status).toBe(200);
      const after = await status();
      expect(after).toMatchObject({ state: "up", entries: 1 });
      expect(after.hits - before.hits).toBeGreaterThanOrEqual(1);
      expect(after.hits + after.misses - before.hits - before.misses).toBe(2);
      const logout = await app.request("/auth/logout", { method: "POST", headers });
      expect(logout.status).toBe(204);
      expect((await app.request("/users/me", { headers })).status).toBe(401);
      expect((await status()).entries).toBe(0);
    } finally {
      await cache.close();
    }
  });

  /** The quick start's app (bearer backend, auth, register and users routes) over these stores. */
  async function quickStartApp(
    users: import("tessera-auth").UserDatabase<import("tessera-auth").User, string>,
    accessTokens: import("tessera-auth").AccessTokenDatabase<import("tessera-auth").User, string>,
  ) {
    const { Hono } = await import("hono");
    const { honoRoutes } = await import("tessera-auth/hono");
    const tessera = await import("tessera-auth");
    const backend = new tessera.AuthenticationBackend({
      name: "database",
      transport: new tessera.BearerTransport({ tokenUrl: "auth/login" }),
      getStrategy: () => new tessera.DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 }),
    });
    const manager = new tessera.UserManager(users);
    const auth = new tessera.Tessera({ getUserManager: () => manager, backends: [backend] });
    const app = new Hono();
    app.route("/auth", honoRoutes(tessera.authRoutes(auth, backend)));
    app.route("/auth", honoRoutes(tessera.registerRoutes(auth)));
    app.route("/users", honoRoutes(tessera.usersRoutes(auth)));
    return app;
  }

  /** Registers, logs in, reads /users/me, logs out: the id registered and the token's header. */
  async function walkThrough(app: {
    request: (path: string, init?: RequestInit) => Response | Promise<Response>;
  }) {
    const register = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", password: "analytical engine" }),
    });
    expect(register.status).toBe(201);
    const { id } = (await register.json()) as { id: string };
    const login = await app.request("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "ADA@example.com", password: "analytical engine" }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${access_token}` };
    expect((await app.request("/users/me", { headers })).status).toBe(200);
    return {
      id,
      logout: async () => {
        expect((await app.request("/auth/logout", { method: "POST", headers })).status).toBe(204);
        expect((await app.request("/users/me", { headers })).status).toBe(401);
      },
    };
  }

  it("shows Drizzle exactly as examples/drizzle.ts, whose stores serve the quick start's routes and whose tables join", async () => {
    expect(blockFor("examples/drizzle.ts")).toBe(
      readFileSync(resolve(ROOT, "examples/drizzle.ts"), "utf8"),
    );
    const directory = mkdtempSync(join(tmpdir(), "tessera-drizzle-"));
    process.env.APP_DB = join(directory, "app.db");
    try {
      const { db, tables, users, accessTokens } = await import("../../examples/drizzle.js");
      const { eq } = await import("drizzle-orm");
      const { id, logout } = await walkThrough(await quickStartApp(users, accessTokens));
      const sessions = await db
        .select({ email: tables.user.email })
        .from(tables.accessToken)
        .innerJoin(tables.user, eq(tables.user.id, tables.accessToken.user_id));
      expect(sessions).toEqual([{ email: "ada@example.com" }]);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await logout();
      expect(await db.select().from(tables.accessToken)).toEqual([]);
      db.$client.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it.skipIf(mongoMissing !== null)(
    `shows MongoDB exactly as examples/mongodb.ts, whose stores serve the quick start's routes${mongoMissing ? ` (skipped: ${mongoMissing})` : ""}`,
    async () => {
      expect(blockFor("examples/mongodb.ts")).toBe(
        readFileSync(resolve(ROOT, "examples/mongodb.ts"), "utf8"),
      );
      const url = new URL(MONGODB_URL);
      url.pathname = `/${mongoTestDatabase("docs")}`;
      process.env.MONGODB_URL = url.toString();
      const { mongo, users, accessTokens } = await import("../../examples/mongodb.js");
      try {
        const { id, logout } = await walkThrough(await quickStartApp(users, accessTokens));
        expect(id).toMatch(/^[0-9a-f]{24}$/);
        await logout();
      } finally {
        await mongo.db.dropDatabase();
        await mongo.close();
      }
    },
  );

  it.skipIf(redisMissing !== null)(
    `shows the Redis and JWT strategies exactly as examples/strategies.ts, which works${redisMissing ? ` (skipped: ${redisMissing})` : ""}`,
    async () => {
      const source = readFileSync(resolve(ROOT, "examples/strategies.ts"), "utf8");
      expect(blockFor("examples/strategies.ts")).toBe(source);
      process.env.JWT_SECRET = "a-jwt-secret-for-this-test-only-0123456789";
      const { redis, redisBackend, jwtBackend } = await import("../../examples/strategies.js");
      // The quick start's app around the two backends.
      const { Hono } = await import("hono");
      const { honoRoutes } = await import("tessera-auth/hono");
      const tessera = await import("tessera-auth");
      const { Kysely } = await import("kysely");
      const { createSqliteDialect, kyselyAdapter, migrateToLatest } = await import(
        "tessera-auth/kysely"
      );
      const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
      await migrateToLatest(db);
      const manager = new tessera.UserManager(kyselyAdapter(db).users);
      const auth = new tessera.Tessera({
        getUserManager: () => manager,
        backends: [redisBackend, jwtBackend],
      });
      const app = new Hono();
      app.route("/redis", honoRoutes(tessera.authRoutes(auth, redisBackend)));
      app.route("/jwt", honoRoutes(tessera.authRoutes(auth, jwtBackend)));
      app.route("/auth", honoRoutes(tessera.registerRoutes(auth)));
      app.route("/users", honoRoutes(tessera.usersRoutes(auth)));
      try {
        const password = "difference engine";
        const register = await app.request("/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "ada@example.com", password }),
        });
        expect(register.status).toBe(201);
        const login = async (backend: string, secret = password) => {
          const response = await app.request(`/${backend}/login`, {
            method: "POST",
            body: new URLSearchParams({ username: "ada@example.com", password: secret }),
          });
          expect(response.status).toBe(200);
          return {
            authorization: `Bearer ${((await response.json()) as { access_token: string }).access_token}`,
          };
        };
        const me = async (headers: Record<string, string>) =>
          (await app.request("/users/me", { headers })).status;

        const inRedis = await login("redis");
        expect(inRedis.authorization).toMatch(/^Bearer tess_/);
        expect(await me(inRedis)).toBe(200);
        expect(
          (await app.request("/redis/logout", { method: "POST", headers: inRedis })).status,
        ).toBe(204);
        expect(await me(inRedis)).toBe(401);

        const signed = await login("jwt");
        expect(signed.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
        expect(await me(signed)).toBe(200);
        // Logout answers 204, and the JWT still works: it cannot be revoked.
        expect((await app.request("/jwt/logout", { method: "POST", headers: signed })).status).toBe(
          204,
        );
        expect(await me(signed)).toBe(200);
        // A new password ends it all the same (the token carries the user's security stamp).
        const fresh = await login("redis");
        const changed = await app.request("/users/me", {
          method: "PATCH",
          headers: { ...fresh, "content-type": "application/json" },
          body: JSON.stringify({ password: "analytical engine" }),
        });
        expect(changed.status).toBe(200);
        expect(await me(signed)).toBe(401);
        expect(await me(fresh)).toBe(200);
      } finally {
        redis.disconnect();
        await db.destroy();
      }
    },
  );

  it("shows custom user fields exactly as examples/custom-fields.ts, which works", async () => {
    const source = readFileSync(resolve(ROOT, "examples/custom-fields.ts"), "utf8");
    expect(blockFor("examples/custom-fields.ts")).toBe(source);

    const { app, grantCredits } = await import("../../examples/custom-fields.js");
    const json = (body: unknown, headers: Record<string, string> = {}) => ({
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const email = "ada@example.com";
    const password = "correct horse";
    const refused = await app.request("/auth/register", json({ email, password }));
    expect(refused.status).toBe(422);
    const register = await app.request(
      "/auth/register",
      json({ email, password, display_name: "Ada", plan: "pro", credits: 99 }),
    );
    expect(await register.json()).toMatchObject({ display_name: "Ada", plan: "free", credits: 0 });
    const login = await app.request("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: email, password }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    await grantCredits(email, 5);
    const balance = await app.request("/balance", {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(await balance.json()).toEqual({ displayName: "Ada", plan: "free", credits: 5 });
  });

  it("shows sign-in with providers exactly as examples/oauth.ts, whose routes start a GitHub sign-in and refuse a forged callback (past that, Google and GitHub need real credentials)", async () => {
    expect(blockFor("examples/oauth.ts")).toBe(
      readFileSync(resolve(ROOT, "examples/oauth.ts"), "utf8"),
    );
    const directory = mkdtempSync(join(tmpdir(), "tessera-oauth-"));
    Object.assign(process.env, {
      APP_DB: join(directory, "app.db"),
      APP_SECRET: "an-app-secret-for-this-test-only-0123456789",
      GOOGLE_CLIENT_ID: "google-client-id",
      GOOGLE_CLIENT_SECRET: "google-client-secret",
      GITHUB_CLIENT_ID: "github-client-id",
      GITHUB_CLIENT_SECRET: "github-client-secret",
      PUBLIC_URL: "https://app.example.com",
    });
    try {
      const { app } = await import("../../examples/oauth.js");
      // GitHub's authorization URL is built without a network call (Google's needs discovery).
      const start = await app.request("/auth/github/authorize");
      expect(start.status).toBe(200);
      const { authorization_url } = (await start.json()) as { authorization_url: string };
      const url = new URL(authorization_url);
      expect(`${url.origin}${url.pathname}`).toBe("https://github.com/login/oauth/authorize");
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        client_id: "github-client-id",
        redirect_uri: "https://app.example.com/auth/github/callback",
        scope: "read:user user:email",
        code_challenge_method: "S256",
      });
      expect(start.headers.get("set-cookie")).toMatch(
        /^__Host-tessera_oauth_github=[\w-]{43}; HttpOnly; Max-Age=600; Path=\/; SameSite=Lax; Secure$/,
      );
      // A callback this browser did not start is refused before the provider is asked.
      const forged = await app.request("/auth/google/callback?code=a-code&state=a-state");
      expect(forged.status).toBe(400);
      expect(await forged.json()).toEqual({ detail: "OAUTH_INVALID_STATE" });
      expect((await app.request("/auth/associate/github/authorize")).status).toBe(401);
      expect((await app.request("/users/me/oauth-accounts")).status).toBe(401);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("the CLI's configuration example is one the CLI accepts: migrate makes those tables", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-readme-config-"));
    try {
      writeFileSync(join(dir, "tessera.config.json"), blockFor("tessera.config.json", "json"));
      const run = spawnSync(
        process.execPath,
        // tsx by its full address: the command runs from a folder of its own.
        ["--conditions=source", "--import", TSX, CLI, "migrate"],
        { cwd: dir, env: { ...process.env, DATABASE_URL: "" }, encoding: "utf8" },
      );
      expect({ code: run.status, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      expect(run.stdout).toContain("added 1 user field column: display_name");
      const tables = new Database(join(dir, "tessera.db"), { readonly: true })
        .prepare("select name, sql from sqlite_master where type = 'table'")
        .all() as { name: string; sql: string }[];
      const user = tables.find((table) => table.name === "app_user");
      expect(user?.sql).toMatch(/"id" integer primary key autoincrement/i);
      expect(user?.sql).toContain('"display_name" text');
      expect(tables.map((table) => table.name)).toContain("app_token");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
