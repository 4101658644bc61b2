import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Mailer,
  type MailMessage,
  PasswordHelper,
  type RateLimitOptions,
  type User,
  type UserUpdate,
} from "tessera-auth";
import type { ConnectOptions } from "tessera-auth/kysely";
import { test as base, expect } from "vitest";
import type { Setup, SetupConfig } from "../../examples/setup.js";
import { FRAMEWORK, type Framework, startApp } from "../support/framework-app.js";
import { ENGINE, emptyTables, workerDatabaseUrl } from "../support/test-database.js";
import { emptyCollections, mongoWorkerUrl, rowsOf, STORE } from "../support/test-store.js";

/** A password the demo rule accepts for any of the test emails. */
export const PASSWORD = "correct horse battery";

/** The shape of every id tessera hands out: a lowercase dashed UUID. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A token as a client holds it: 32 bytes of base64url. */
/** An access token as tessera issues it: `tess_`, 43 base62 characters, a 6-character checksum. */
export const TOKEN =
  (process.env.TESSERA_TEST_STRATEGY ?? "database") === "jwt"
    ? /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
    : /^tess_[0-9A-Za-z]{49}$/;

/** The contract's `UserRead`, as JSON. */
export interface UserJson {
  id: string;
  email: string;
  is_active: boolean;
  is_superuser: boolean;
  is_verified: boolean;
}

/** A clock the test moves by hand: expiry is tested without sleeping. */
export class TestClock {
  constructor(public now = new Date("2026-01-31T12:00:00.000Z")) {}

  readonly read = (): Date => new Date(this.now.getTime());

  advance(milliseconds: number): void {
    this.now = new Date(this.now.getTime() + milliseconds);
  }
}

/** The secret the test servers sign reset and verification tokens with. */
export const SECRET = "test-secret-test-secret-test-secret-0123";

/** Keeps what it is asked to send, in order, instead of sending it. */
export class RecordingMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
}

export interface TestServerOptions {
  /**
   * On SQLite: `memory` (default) or a file in a fresh temporary directory.
   * Ignored on PostgreSQL and MySQL, which use this worker's database.
   */
  database?: "memory" | "file";
  /** An existing database to serve, kept as it is (its tables are not emptied). */
  databaseUrl?: string;
  /** Pool size and timeouts of the database. @default connect()'s */
  connectOptions?: ConnectOptions;
  /** @default argon2id at minimal cost, so tests are fast */
  passwordHelper?: PasswordHelper;
  /** Serve the test outbox `GET /_test/tokens/{email}`. @default true */
  exposeTokens?: boolean;
  /** @default [] */
  trustedOrigins?: string[];
  /** @default false: the contract suites send many requests from one address */
  rateLimit?: RateLimitOptions | false;
  /** @default [] */
  trustedProxies?: string[];
  /** The app to serve. @default the project's framework (TESSERA_TEST_FRAMEWORK), else Hono */
  framework?: Framework;
  /** Table names and custom user fields. @default FastAPI Users' tables */
  schema?: SetupConfig["schema"];
  /** @default no limit */
  maxSessionsPerUser?: number;
  /** @default "evict-oldest" */
  sessionCapPolicy?: "evict-oldest" | "refuse";
  /** @default none */
  idleTimeoutSeconds?: number;
  /** Rotating refresh tokens on the bearer backend. @default false */
  refreshTokens?: boolean;
  /** @default 3600 */
  lifetimeSeconds?: number;
  /** @default off */
  freshSessionSeconds?: number;
  /** What a token is. @default the project's (TESSERA_TEST_STRATEGY), else "database" */
  strategy?: "database" | "redis" | "jwt";
  /** Sign-in through an OpenID provider (the routes at /auth/{name}). @default none */
  oidc?: SetupConfig["oidc"];
  /** The port to listen on. @default 0 (a free one) */
  port?: number;
  /** Where emails' links and providers' redirects point. @default http://127.0.0.1:8000 */
  baseUrl?: string;
}

/** The SQL adapter of this project's HTTP suite run (`sqlite-drizzle`), else Kysely. */
export const ADAPTER = (process.env.TESSERA_TEST_ADAPTER ?? "kysely") as "kysely" | "drizzle";

/** The strategy of this project's HTTP suite run (`sqlite-redis`, `sqlite-jwt`), else the database's. */
export const STRATEGY = (process.env.TESSERA_TEST_STRATEGY ?? "database") as
  | "database"
  | "redis"
  | "jwt";

/**
 * An example app (of the project's framework) on a real HTTP server over a
 * real database of the project's engine (SQLite, PostgreSQL or MySQL), with
 * empty tables, fresh for one test.
 */
export class TestServer {
  private constructor(
    /** tessera's setup behind the app: its database, manager, strategy, outbox. */
    readonly setup: Setup<any>,
    readonly clock: TestClock,
    readonly mailer: RecordingMailer,
    readonly url: string,
    private readonly server: Server,
    private readonly directory: string | null,
  ) {}

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const {
      database = "memory",
      passwordHelper = new PasswordHelper({ memoryCost: 1024, timeCost: 1 }),
      exposeTokens = true,
      trustedOrigins = [],
    } = options;
    const onFile = ENGINE === "sqlite" && database === "file";
    const directory = onFile ? await mkdtemp(join(tmpdir(), "tessera-http-")) : null;
    const clock = new TestClock();
    const mailer = new RecordingMailer();
    const running = await startApp(
      options.framework ?? FRAMEWORK,
      {
        secret: SECRET,
        baseUrl: options.baseUrl,
        mailer,
        exposeTokens,
        trustedOrigins,
        databaseUrl:
          options.databaseUrl ??
          (directory
            ? `sqlite:${join(directory, "tessera.db")}`
            : STORE === "mongodb"
              ? await mongoWorkerUrl()
              : await workerDatabaseUrl()),
        clock: clock.read,
        passwordHelper,
        connectOptions: options.connectOptions,
        rateLimit: options.rateLimit ?? false,
        trustedProxies: options.trustedProxies,
        schema: options.schema,
        maxSessionsPerUser: options.maxSessionsPerUser,
        sessionCapPolicy: options.sessionCapPolicy,
        idleTimeoutSeconds: options.idleTimeoutSeconds,
        refreshTokens: options.refreshTokens,
        lifetimeSeconds: options.lifetimeSeconds,
        freshSessionSeconds: options.freshSessionSeconds,
        strategy: options.strategy ?? STRATEGY,
        oidc: options.oidc,
        adapter: ADAPTER,
        redisUrl: process.env.TESSERA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
      },
      options.port,
    );
    const { setup, server, url } = running;
    if (!options.databaseUrl) {
      const { userTable = "user", accessTokenTable = "accesstoken" } = options.schema ?? {};
      const custom = accessTokenTable !== "accesstoken";
      const refreshTokenTable = custom ? `${accessTokenTable}_refresh` : "refreshtoken";
      const sessionTable = custom ? `${accessTokenTable}_session` : "authsession";
      const oauthAccountTable = custom ? `${accessTokenTable}_oauth` : "oauth_account";
      const beside = (standard: string, suffix: string) =>
        custom ? `${accessTokenTable}_${suffix}` : standard;
      const tables = [
        beside("passkey", "passkey"),
        beside("recovery_code", "recovery"),
        beside("totp_secret", "totp"),
        oauthAccountTable,
        sessionTable,
        refreshTokenTable,
        accessTokenTable,
        userTable,
      ];
      if (setup.mongo) await emptyCollections(setup.mongo, tables);
      else await emptyTables(setup.db, tables);
    }
    return new TestServer(setup, clock, mailer, url, server, directory);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
    this.server.closeAllConnections();
    await closed;
    await this.setup.close();
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
  }

  /** A request to the server; `path` starts with `/`. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, init);
  }

  /** Registers through `POST /auth/register` and returns the 201 body. */
  async register(email: string, password = PASSWORD): Promise<UserJson> {
    const response = await this.fetch("/auth/register", jsonBody("POST", { email, password }));
    expect(response.status).toBe(201);
    return (await response.json()) as UserJson;
  }

  /** Logs in through `POST /auth/login` and returns the bearer token. */
  async login(username: string, password = PASSWORD): Promise<string> {
    const response = await this.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username, password }),
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    expect(access_token).toMatch(TOKEN);
    return access_token;
  }

  /** Logs in through `POST /auth/cookie/login` and returns the cookie's token. */
  async cookieLogin(username: string, password = PASSWORD): Promise<string> {
    const response = await this.fetch("/auth/cookie/login", {
      method: "POST",
      body: new URLSearchParams({ username, password }),
    });
    expect(response.status).toBe(204);
    const token = /^fastapiusersauth=([^;]*);/.exec(response.headers.get("set-cookie") ?? "")?.[1];
    expect(token).toMatch(TOKEN);
    return token as string;
  }

  /** A registered, logged-in normal user. */
  async user(email = "alice@example.com", password = PASSWORD) {
    const user = await this.register(email, password);
    return { user, token: await this.login(email, password) };
  }

  /** A superuser, made directly through the manager (unsafe create), logged in. */
  async superuser(email = "root@example.com", password = PASSWORD) {
    const created = await this.setup.manager.create({ email, password, isSuperuser: true });
    return { user: created, token: await this.login(email, password) };
  }

  /** Changes a user directly through the manager (unsafe update), as an operator would. */
  async setUser(id: string, change: UserUpdate): Promise<User> {
    const manager = this.setup.manager;
    return manager.update(change, await manager.get(id));
  }

  /** The last reset and verify tokens the demo's hooks received for this email (test outbox). */
  async outbox(email: string): Promise<{ reset_password: string | null; verify: string | null }> {
    const response = await this.fetch(`/_test/tokens/${encodeURIComponent(email)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { reset_password: string | null; verify: string | null };
  }

  /** `POST /auth/forgot-password`, then the reset token from the outbox. */
  async resetToken(email: string): Promise<string> {
    const response = await this.fetch("/auth/forgot-password", jsonBody("POST", { email }));
    expect(response.status).toBe(202);
    const { reset_password } = await this.outbox(email);
    expect(reset_password).toEqual(expect.any(String));
    return reset_password as string;
  }

  /** `POST /auth/request-verify-token`, then the verify token from the outbox. */
  async verifyToken(email: string): Promise<string> {
    const response = await this.fetch("/auth/request-verify-token", jsonBody("POST", { email }));
    expect(response.status).toBe(202);
    const { verify } = await this.outbox(email);
    expect(verify).toEqual(expect.any(String));
    return verify as string;
  }

  /** `GET /users/me` with these headers. */
  me(headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch("/users/me", { headers });
  }

  /**
   * Every row of a table as stored, in no set order: SQL rows, or on MongoDB
   * the collection's documents with their `_id` as `id` (users) or `token`.
   */
  rows(table: string): Promise<Record<string, unknown>[]> {
    return rowsOf(this.setup, table);
  }

  /** Every row of both tables, to prove a request changed nothing. */
  async snapshot() {
    const by = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a[key]) < String(b[key]) ? -1 : 1;
    return {
      users: (await this.rows("user")).sort(by("id")),
      tokens: (await this.rows("accesstoken")).sort(by("token")),
    };
  }
}

/** Vitest's `test` with a `server` fixture: a fresh app, server and database per test. */
export const test = base.extend<{ server: TestServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  server: async ({}, use) => {
    const server = await TestServer.start();
    try {
      await use(server);
    } finally {
      await server.close();
    }
  },
});

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The cookie backend's cookie. */
export function cookie(token: string): Record<string, string> {
  return { cookie: `fastapiusersauth=${token}` };
}

/** A request with a JSON body (and optional extra headers). */
export function jsonBody(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** A request with a raw body and content type. */
export function rawBody(
  method: string,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): RequestInit {
  return { method, headers: { "content-type": contentType, ...headers }, body };
}

/** Asserts a JSON answer: status, `application/json` exactly, and the whole body. */
export async function expectJson(response: Response, status: number, body: unknown) {
  expect({ status: response.status, body: await response.json() }).toEqual({ status, body });
  expect(response.headers.get("content-type")).toBe("application/json");
}

/** Asserts `{"detail": ...}` with this status. */
export function expectDetail(response: Response, status: number, detail: unknown) {
  return expectJson(response, status, { detail });
}

/** Asserts the contract's 401: exact body, and no `WWW-Authenticate` challenge. */
export async function expectUnauthorized(response: Response) {
  await expectDetail(response, 401, "Unauthorized");
  expect(response.headers.get("www-authenticate")).toBeNull();
}

/** Asserts a 204: empty body and no content type. */
export async function expectNoContent(response: Response) {
  expect(response.status).toBe(204);
  expect(await response.text()).toBe("");
  expect(response.headers.get("content-type")).toBeNull();
}

/** Asserts a pydantic-shaped 422 with exactly these errors. */
export function expectValidation(response: Response, errors: unknown[]) {
  return expectJson(response, 422, { detail: errors });
}

/** A pydantic "field required" error at `loc`. */
export function missing(...loc: (string | number)[]) {
  return { loc, msg: "field required", type: "value_error.missing" };
}

/** A pydantic "value is not a valid email address" error at `["body", field]`. */
export function badEmail(field = "email") {
  return {
    loc: ["body", field],
    msg: "value is not a valid email address",
    type: "value_error.email",
  };
}

/** A pydantic "str type expected" error at `["body", field]`. */
export function notAString(field: string) {
  return { loc: ["body", field], msg: "str type expected", type: "type_error.str" };
}

/** A pydantic "value is not a valid dict" error: the body is not a JSON object. */
export const NOT_A_DICT = {
  loc: ["body"],
  msg: "value is not a valid dict",
  type: "type_error.dict",
};
