import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { PasswordHelper } from "tessera";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

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

  it("reads the password from standard input when --password is absent", () => {
    const run = tessera(
      ["create-superuser", "--email", "root@example.com"],
      env,
      "from-stdin-pw\n",
    );
    expect(run.code).toBe(0);
    expect(users()).toHaveLength(1);
  });

  it("refuses a taken email, a bad email, a short password, with one clear line", () => {
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
    expect(shortPassword.code).toBe(2);
    expect(users()).toHaveLength(1);
  });

  it("prints help, and refuses unknown commands and options with exit code 2", () => {
    const help = tessera(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("create-superuser --email <email>");
    expect(tessera(["frobnicate"], env)).toMatchObject({ code: 2 });
    expect(tessera(["create-superuser", "--bogus"], env)).toMatchObject({ code: 2 });
    expect(tessera([], env).code).toBe(2);
  });

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
});
