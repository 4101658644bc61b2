import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
// The built bin (`npm test` builds first), run from the app's own folder as a user does.
const BUILT_BIN = join(ROOT, "dist/cli/main.js");

describe.skipIf(!existsSync(BUILT_BIN))("the CLI reads the app's configuration", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tessera-cli-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], env: Record<string, string> = {}) => {
    const run = spawnSync(BUILT_BIN, args, {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: "", ...env },
      encoding: "utf8",
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const config = (name: string, value: unknown) =>
    writeFileSync(join(dir, name), JSON.stringify(value));
  /** Every table and index as SQLite would recreate it: the whole schema, to compare. */
  const schemaOf = (file: string) =>
    new Database(join(dir, file), { readonly: true })
      .prepare("select type, name, sql from sqlite_master order by name")
      .all();

  it("tessera.config.json in the working directory: tables named and keyed as configured, users created there", () => {
    config("tessera.config.json", {
      databaseUrl: "sqlite:app.db",
      userTable: "app_user",
      accessTokenTable: "app_token",
      idType: "integer",
    });
    expect(cli(["migrate"])).toMatchObject({ code: 0, stderr: "" });
    const tables = schemaOf("app.db")
      .filter((row) => (row as { type: string }).type === "table")
      .map((row) => (row as { name: string }).name);
    expect(tables.sort()).toEqual([
      "app_token",
      "app_token_oauth",
      "app_token_passkey",
      "app_token_recovery",
      "app_token_refresh",
      "app_token_revocations",
      "app_token_session",
      "app_token_totp",
      "app_user",
      "sqlite_sequence",
      "tessera_migration_app_user",
      "tessera_migration_app_user_lock",
    ]);
    const created = cli(["create-superuser", "--email", "root@example.com"], {
      TESSERA_SUPERUSER_PASSWORD: "a long enough password",
    });
    expect(created).toEqual({
      code: 0,
      stdout: "created superuser root@example.com (id 1)\n",
      stderr: "",
    });
  });

  it("--config names the file; an id type the tables do not have is refused, and nothing changes", () => {
    expect(cli(["migrate"], { DATABASE_URL: "sqlite:app.db" })).toMatchObject({ code: 0 });
    const before = schemaOf("app.db");
    config("integer.json", { idType: "integer" });
    const refused = cli(["migrate", "--config", "integer.json"], { DATABASE_URL: "sqlite:app.db" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not hold idType "integer"');
    expect(schemaOf("app.db")).toEqual(before);
  });

  it("tables of another configuration are refused, and nothing changes", () => {
    expect(cli(["migrate"], { DATABASE_URL: "sqlite:app.db" })).toMatchObject({ code: 0 });
    const before = schemaOf("app.db");
    config("tessera.config.json", { userTable: "members", accessTokenTable: "member_tokens" });
    const refused = cli(["migrate"], { DATABASE_URL: "sqlite:app.db" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /another configuration \(migration table "tessera_migration"\) and no table "members".*nothing was changed/,
    );
    expect(schemaOf("app.db")).toEqual(before);
  });

  it("a configuration with an unknown option, a wrong type, or no file is refused with exit code 2", () => {
    config("tessera.config.json", { userTabel: "x" });
    const unknown = cli(["migrate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option "userTabel"; the options are databaseUrl');
    config("tessera.config.json", { lifetimeSeconds: "3600" });
    expect(cli(["tokens", "purge"]).stderr).toContain('"lifetimeSeconds" must be a number');
    expect(cli(["migrate", "--config", "missing.json"])).toMatchObject({ code: 2 });
    expect(existsSync(join(dir, "tessera.db"))).toBe(false);
  });

  it("userFields: migrate adds their columns, once; a bad declaration is refused before anything is written", () => {
    const userFields = {
      displayName: { type: "string", maxLength: 80 },
      plan: { type: "string", enum: ["free", "pro"], default: "free", writableBy: "superuser" },
    };
    config("tessera.config.json", { databaseUrl: "sqlite:app.db", userFields });
    const first = cli(["migrate"]);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toContain("added 2 user field columns: display_name, plan\n");
    const user = schemaOf("app.db").find((row) => (row as { name: string }).name === "user");
    expect((user as { sql: string }).sql).toMatch(
      /"display_name" text,\s*"plan" text default 'free' not null/,
    );
    expect(cli(["migrate"]).stdout).toBe("already up to date\n");

    const before = schemaOf("app.db");
    config("tessera.config.json", {
      databaseUrl: "sqlite:app.db",
      userFields: { ...userFields, isAdmin: { type: "boolean" }, is_admin: { type: "boolean" } },
    });
    const twice = cli(["migrate"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('two user fields use the JSON name "is_admin"');
    config("tessera.config.json", {
      databaseUrl: "sqlite:app.db",
      userFields: { email: { type: "string" } },
    });
    expect(cli(["migrate"]).stderr).toContain(
      `user field "email": "email" is one of tessera's own fields`,
    );
    expect(schemaOf("app.db")).toEqual(before);
  });
});
