import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { type Db, MongoClient } from "mongodb";
import { DatabaseStrategy, PasswordHelper, UserManager } from "tessera-auth";
import { mongoAdapter } from "tessera-auth/mongodb";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";
import { MONGODB_URL, mongoTestDatabase, mongoUnavailable } from "../support/mongodb.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BUILT_BIN = join(ROOT, "dist/cli/main.js");

function tessera(args: string[], env: Record<string, string>, input?: string) {
  const result = spawnSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "src/cli/main.ts", ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, input, encoding: "utf8" },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("tessera CLI", () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
    env = { DATABASE_URL: `sqlite:${join(dir, "app.db")}` };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The one user's stored hash verifies `password`. */
  async function expectPassword(password: string) {
    const [row] = users();
    expect(
      await new PasswordHelper().verifyAndUpdate(password, String(row?.hashed_password)),
    ).toEqual({ verified: true, updatedHash: null });
  }

  const users = () =>
    new Database(join(dir, "app.db"), { readonly: true })
      .prepare("select * from user")
      .all() as Array<Record<string, unknown>>;

  it("create-superuser creates an active, verified superuser with an argon2id hash", async () => {
    const run = tessera(
      ["create-superuser", "--email", "Root@Example.COM", "--password", "s3cret-pass"],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^created superuser Root@example\.com \(id [0-9a-f-]{36}\)\n$/);
    expect(run.stdout + run.stderr).not.toContain("s3cret-pass");
    const [row, ...rest] = users();
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      email: "Root@example.com",
      is_active: 1,
      is_superuser: 1,
      is_verified: 1,
    });
    const check = await new PasswordHelper().verifyAndUpdate(
      "s3cret-pass",
      String(row?.hashed_password),
    );
    expect(check).toEqual({ verified: true, updatedHash: null });
  });

  it("reads the password from the first line of standard input when --password is absent", async () => {
    const run = tessera(
      ["create-superuser", "--email", "root@example.com"],
      env,
      "from-stdin-pw\nsecond line\n",
    );
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain("from-stdin-pw");
    await expectPassword("from-stdin-pw");
  });

  it("takes TESSERA_SUPERUSER_PASSWORD, shows it nowhere, and the superuser can log in", async () => {
    const password = "from-the-environment";
    const run = tessera(["create-superuser", "--email", "root@example.com"], {
      ...env,
      TESSERA_SUPERUSER_PASSWORD: password,
    });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(password);
    const demo = await DemoProcess.start(env.DATABASE_URL as string);
    try {
      const login = await demo.fetch("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: "root@example.com", password }),
      });
      expect(login.status).toBe(200);
      const { access_token } = (await login.json()) as { access_token: string };
      const me = await demo.fetch("/users/me", {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(await me.json()).toMatchObject({ email: "root@example.com", is_superuser: true });
    } finally {
      await demo.stop();
    }
  });

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)(
    "prompts on a terminal without echoing the password (needs util-linux script for a pty)",
    async () => {
      const password = "typed-at-the-prompt";
      const command = `exec '${process.execPath}' --conditions=source --import tsx src/cli/main.ts create-superuser --email root@example.com`;
      const terminal = spawn("script", ["-qec", command, "/dev/null"], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      });
      let output = "";
      const prompted = new Promise<void>((resolve) => {
        terminal.stdout.on("data", (chunk: Buffer) => {
          output += chunk;
          if (output.includes("password: ")) resolve();
        });
      });
      terminal.stderr.on("data", (chunk: Buffer) => {
        output += chunk;
      });
      const exited = once(terminal, "exit");
      // Typed only once the prompt is up: the terminal echoes what arrives before raw mode.
      await prompted;
      terminal.stdin.write(`${password}\r`);
      const [code] = await exited;
      expect(code).toBe(0);
      expect(output).toMatch(/created superuser root@example\.com/);
      expect(output).not.toContain(password);
      await expectPassword(password);
    },
  );

  it("refuses a taken email, a bad email, a short password or the email's, with one clear line", () => {
    expect(
      tessera(["create-superuser", "--email", "root@example.com", "--password", "longenough"], env)
        .code,
    ).toBe(0);
    const taken = tessera(
      ["create-superuser", "--email", "ROOT@example.com", "--password", "longenough"],
      env,
    );
    expect(taken).toMatchObject({
      code: 1,
      stderr: "tessera: a user with the email ROOT@example.com already exists\n",
    });
    const badEmail = tessera(
      ["create-superuser", "--email", "nope", "--password", "longenough"],
      env,
    );
    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toContain("not a valid email address");
    const shortPassword = tessera(
      ["create-superuser", "--email", "a@example.com", "--password", "short"],
      env,
    );
    expect(shortPassword).toMatchObject({
      code: 2,
      stderr: "tessera: Password should be at least 8 characters\n",
    });
    const emailAsPassword = tessera(
      ["create-superuser", "--email", "admin.person@example.com", "--password", "Admin.Person"],
      env,
    );
    expect(emailAsPassword).toMatchObject({
      code: 2,
      stderr: "tessera: Password should not be the e-mail address\n",
    });
    expect(users()).toHaveLength(1);
  });

  it("prints help, and refuses unknown commands and options with exit code 2", () => {
    const help = tessera(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("create-superuser --email <email>");
    expect(help.stdout).toMatch(
      /--password works too, but any user of the machine can read it in the\s+process list \(ps\)/,
    );
    expect(help.stdout).toContain("TESSERA_SUPERUSER_PASSWORD");
    expect(tessera(["frobnicate"], env)).toMatchObject({ code: 2 });
    expect(tessera(["create-superuser", "--bogus"], env)).toMatchObject({ code: 2 });
    expect(tessera([], env).code).toBe(2);
  });

  // `npm test` builds first: this is the file `npx` runs, straight from the build.
  it.skipIf(!existsSync(BUILT_BIN))(
    "the built bin is executable as it is, and hashes passwords from dist/",
    async () => {
      const run = (args: string[]) =>
        spawnSync(BUILT_BIN, args, {
          env: { ...process.env, ...env, TESSERA_SUPERUSER_PASSWORD: "a long enough password" },
          encoding: "utf8",
        });
      expect(run(["--help"]).status).toBe(0);
      const created = run(["create-superuser", "--email", "root@example.com"]);
      expect({ code: created.status, stderr: created.stderr }).toEqual({ code: 0, stderr: "" });
      await expectPassword("a long enough password");
    },
  );

  it("tokens purge deletes expired tokens only", () => {
    tessera(["create-superuser", "--email", "root@example.com", "--password", "longenough"], env);
    const db = new Database(join(dir, "app.db"));
    const userId = (db.prepare("select id from user").get() as { id: string }).id;
    const insert = db.prepare(
      "insert into accesstoken (token, created_at, user_id) values (?, ?, ?)",
    );
    insert.run("old", "2000-01-01 00:00:00.000000", userId);
    insert.run("new", new Date().toISOString().replace("T", " ").replace("Z", "000"), userId);
    db.close();
    const run = tessera(["tokens", "purge", "--lifetime", "3600"], env);
    expect(run).toMatchObject({ code: 0, stdout: "deleted 1 expired access token\n" });
    const left = new Database(join(dir, "app.db"), { readonly: true })
      .prepare("select token from accesstoken")
      .all();
    expect(left).toEqual([{ token: "new" }]);
    expect(tessera(["tokens", "purge", "--lifetime", "zero"], env).code).toBe(2);
  });

  it("tokens purge --idle-timeout also deletes unused sessions, and old refresh tokens go", () => {
    tessera(["create-superuser", "--email", "root@example.com", "--password", "longenough"], env);
    const db = new Database(join(dir, "app.db"));
    const userId = (db.prepare("select id from user").get() as { id: string }).id;
    const sqliteTime = (date: Date) => date.toISOString().replace("T", " ").replace("Z", "000");
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 3600_000);
    db.prepare(
      "insert into accesstoken (token, created_at, last_used_at, user_id) values (?, ?, ?, ?)",
    ).run("idle", sqliteTime(now), sqliteTime(hourAgo), userId);
    db.prepare(
      "insert into accesstoken (token, created_at, last_used_at, user_id) values (?, ?, ?, ?)",
    ).run("busy", sqliteTime(hourAgo), sqliteTime(now), userId);
    db.prepare(
      `insert into refreshtoken (token, family, user_id, security_stamp, created_at, session_created_at)
       values (?, 'f', ?, 0, ?, ?)`,
    ).run("ancient", userId, "2000-01-01 00:00:00.000000", "2000-01-01 00:00:00.000000");
    db.close();
    const run = tessera(["tokens", "purge", "--lifetime", "86400", "--idle-timeout", "1800"], env);
    expect(run).toMatchObject({
      code: 0,
      stdout: "deleted 1 expired access token\ndeleted 1 expired refresh token\n",
    });
    const left = new Database(join(dir, "app.db"), { readonly: true });
    expect(left.prepare("select token from accesstoken").all()).toEqual([{ token: "busy" }]);
    expect(left.prepare("select token from refreshtoken").all()).toEqual([]);
    left.close();
    expect(tessera(["tokens", "purge", "--idle-timeout", "-1"], env).code).toBe(2);
  });
});

const mongoMissing = await mongoUnavailable();

describe.skipIf(mongoMissing !== null)(
  `tessera CLI on MongoDB${mongoMissing ? ` (skipped: ${mongoMissing})` : ""}`,
  () => {
    const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
    let round = 0;
    let db: Db;
    let env: Record<string, string>;
    beforeEach(() => {
      db = client.db(`${mongoTestDatabase("cli")}${round++}`);
      const url = new URL(MONGODB_URL);
      url.pathname = `/${db.databaseName}`;
      env = { DATABASE_URL: url.href };
    });
    afterEach(() => db.dropDatabase());
    afterAll(() => client.close());

    const indexes = async (collection: string) =>
      (await db.collection(collection).listIndexes().toArray()).map((index) => index.name).sort();

    it("migrate creates the indexes, and says so once", async () => {
      const first = tessera(["migrate"], env);
      expect(first).toMatchObject({ code: 0, stderr: "" });
      expect(first.stdout).toMatch(/^created 10 indexes: user\.tessera_email_key, /);
      expect(await indexes("user")).toEqual(["_id_", "tessera_email_key"]);
      expect(await indexes("accesstoken")).toEqual([
        "_id_",
        "tessera_created",
        "tessera_family",
        "tessera_user_created",
      ]);
      expect(await indexes("refreshtoken")).toEqual([
        "_id_",
        "tessera_created",
        "tessera_family",
        "tessera_user",
      ]);
      expect(await indexes("oauth_account")).toEqual(["_id_", "tessera_account", "tessera_user"]);
      expect(await indexes("passkey")).toEqual(["_id_", "tessera_user"]);
      expect(tessera(["migrate"], env)).toMatchObject({
        code: 0,
        stdout: "indexes already in place\n",
      });
    });

    it("create-superuser makes a superuser who logs in through the MongoDB adapter", async () => {
      const run = tessera(["create-superuser", "--email", "Root@Example.COM"], {
        ...env,
        TESSERA_SUPERUSER_PASSWORD: "a long enough password",
      });
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toMatch(/^created superuser Root@example\.com \(id [0-9a-f]{24}\)\n$/);
      const manager = new UserManager(mongoAdapter(db).users);
      const user = await manager.authenticate({
        email: "root@example.com",
        password: "a long enough password",
      });
      expect(user).toMatchObject({ isActive: true, isSuperuser: true, isVerified: true });
      expect(
        await manager.authenticate({ email: "root@example.com", password: "another password" }),
      ).toBeNull();
      // The unique index is in place: the same address again is refused.
      expect(
        tessera(["create-superuser", "--email", "ROOT@example.com"], {
          ...env,
          TESSERA_SUPERUSER_PASSWORD: "a long enough password",
        }),
      ).toMatchObject({
        code: 1,
        stderr: "tessera: a user with the email ROOT@example.com already exists\n",
      });
    });

    it("takes the app's id type, and refuses the other one", async () => {
      const config = join(tmpdir(), `tessera-cli-mongo-${process.pid}-${round}.json`);
      writeFileSync(config, JSON.stringify({ idType: "uuid", userTable: "people" }));
      try {
        const password = { TESSERA_SUPERUSER_PASSWORD: "a long enough password" };
        const run = tessera(
          ["create-superuser", "--email", "root@example.com", "--config", config],
          { ...env, ...password },
        );
        expect(run.stdout).toMatch(/\(id [0-9a-f-]{36}\)\n$/);
        const { users } = mongoAdapter(db, { idType: "uuid", userCollection: "people" });
        expect(await users.getByEmail("root@example.com")).toMatchObject({ isSuperuser: true });
        writeFileSync(config, JSON.stringify({ userTable: "people" }));
        const refused = tessera(
          ["create-superuser", "--email", "other@example.com", "--config", config],
          { ...env, ...password },
        );
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/^tessera: the collection "people" holds uuid ids .*\n$/);
        expect(await db.collection("people").countDocuments()).toBe(1);
        writeFileSync(config, JSON.stringify({ idType: "integer" }));
        expect(tessera(["migrate", "--config", config], env).code).toBe(2);
      } finally {
        rmSync(config, { force: true });
      }
    });

    it("tokens purge deletes expired tokens and keeps live ones", async () => {
      tessera(["create-superuser", "--email", "root@example.com", "--password", "longenough"], env);
      const { users, accessTokens } = mongoAdapter(db);
      const user = await users.getByEmail("root@example.com");
      if (!user) throw new Error("no superuser");
      const twoHoursAgo = () => new Date(Date.now() - 2 * 3600_000);
      const then = new DatabaseStrategy(accessTokens, {
        lifetimeSeconds: 3600,
        clock: twoHoursAgo,
      });
      const now = new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 });
      await then.writeToken(user);
      const live = await now.writeToken(user);
      const run = tessera(["tokens", "purge", "--lifetime", "3600"], env);
      expect(run).toMatchObject({ code: 0, stdout: "deleted 1 expired access token\n" });
      expect(await db.collection("accesstoken").countDocuments()).toBe(1);
      const manager = new UserManager(users);
      expect(await now.readToken(live, manager)).toMatchObject({ email: "root@example.com" });
    });
  },
);
