import { execFile, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/**
 * What a new user gets: the packed tarball (of the build `npm test` made
 * first) installed into an empty project from the registry, with the peers
 * the quick start names and TypeScript. Minutes, not seconds: better-sqlite3
 * may build from source.
 */
describe("the packed tarball in an empty project", () => {
  let dir: string;
  let tarball: string;
  const env = {
    ...process.env,
    // node-gyp builds better-sqlite3 against the headers on this machine when it cannot download them.
    ...(existsSync("/usr/include/node/node.h") && !process.env.npm_config_nodedir
      ? { npm_config_nodedir: "/usr" }
      : {}),
  };
  const run = (command: string, args: string[], extra: Record<string, string> = {}) =>
    spawnSync(command, args, { cwd: dir, env: { ...env, ...extra }, encoding: "utf8" });

  // Asynchronous: a minute-long synchronous install would starve vitest's worker of its event loop.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-tarball-"));
    // --ignore-scripts: pack the build `npm test` made, without rebuilding under other tests.
    const packed = await promisify(execFile)(
      NPM,
      ["pack", "--ignore-scripts", "--json", "--pack-destination", dir],
      { cwd: ROOT, encoding: "utf8" },
    );
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = join(dir, filename);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "new-app", private: true, type: "module" }),
    );
    await promisify(execFile)(
      NPM,
      [
        "install",
        "--no-audit",
        "--no-fund",
        join(dir, filename),
        "hono@4",
        "kysely@0.28",
        "better-sqlite3@12",
        "typescript@5",
        "typescript-oldest@npm:typescript@5.7",
        "typescript-7@npm:typescript@7",
        "@types/node@20",
        "@types/better-sqlite3@7",
      ],
      { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 },
    );
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships what it declares: the bin is executable, every export resolves", () => {
    const pkg = join(dir, "node_modules/tessera-auth");
    const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    for (const subpath of Object.keys(manifest.exports)) {
      const specifier = `tessera-auth${subpath.slice(1)}`;
      const resolved = run(process.execPath, [
        "--input-type=module",
        "-e",
        `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`,
      ]);
      expect({ specifier, status: resolved.status, stderr: resolved.stderr }).toEqual({
        specifier,
        status: 0,
        stderr: "",
      });
    }
    expect(existsSync(join(pkg, "LICENSE"))).toBe(true);
    expect(statSync(join(pkg, "dist/cli/main.js")).mode & 0o111).toBe(0o111);
  });

  it("publint and are-the-types-wrong (ESM-only profile) find nothing wrong", () => {
    const bin = (name: string) => join(ROOT, "node_modules/.bin", name);
    const publint = run(bin("publint"), [
      "--strict",
      "--pack",
      "false",
      "node_modules/tessera-auth",
    ]);
    expect({ status: publint.status, output: publint.stdout + publint.stderr }).toMatchObject({
      status: 0,
    });
    expect(publint.stdout).toContain("All good!");
    const attw = run(bin("attw"), [tarball, "--profile", "esm-only"]);
    expect({ status: attw.status, output: attw.stdout + attw.stderr }).toMatchObject({ status: 0 });
  });

  it("the README's quick start type-checks strictly, runs, registers, logs in and authenticates", () => {
    cpSync(join(ROOT, "examples/quickstart.ts"), join(dir, "quickstart.ts"));
    writeFileSync(
      join(dir, "main.ts"),
      [
        'import { app } from "./quickstart.js";',
        "const form = (body: Record<string, string>) => ({",
        '  method: "POST",',
        '  headers: { "content-type": "application/json" },',
        "  body: JSON.stringify(body),",
        "});",
        'const credentials = { email: "ada@example.com", password: "correct horse battery" };',
        'const registered = await app.request("/auth/register", form(credentials));',
        'const login = await app.request("/auth/login", {',
        '  method: "POST",',
        '  headers: { "content-type": "application/x-www-form-urlencoded" },',
        "  body: new URLSearchParams({ username: credentials.email, password: credentials.password }),",
        "});",
        "const { access_token } = (await login.json()) as { access_token: string };",
        'const hello = await app.request("/authenticated-route", {',
        "  headers: { authorization: `Bearer ${access_token}` },",
        "});",
        "console.log(JSON.stringify([registered.status, login.status, await hello.json()]));",
        "process.exit(0);",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: false,
          types: ["node"],
          outDir: "out",
        },
        include: ["quickstart.ts", "main.ts"],
      }),
    );
    // The oldest TypeScript tessera supports, and TypeScript 7 (the native compiler), check
    // the same files without writing them.
    for (const [compiler, args] of [
      ["typescript-oldest", ["--noEmit"]],
      ["typescript-7", ["--noEmit"]],
      ["typescript", []],
    ] as const) {
      const compiled = run(process.execPath, [
        `node_modules/${compiler}/bin/tsc`,
        "-p",
        ".",
        ...args,
      ]);
      expect({
        compiler,
        status: compiled.status,
        output: compiled.stdout + compiled.stderr,
      }).toEqual({
        compiler,
        status: 0,
        output: "",
      });
    }
    const ran = run(process.execPath, ["out/main.js"]);
    expect(ran.stderr).toBe("");
    const [lastLine] = ran.stdout.trim().split("\n").slice(-1);
    expect(JSON.parse(lastLine ?? "null")).toEqual([
      201,
      200,
      { message: "Hello ada@example.com!" },
    ]);
  }, 90_000); // three compilers check it with skipLibCheck off: 8–30 s on this machine

  // jose's declarations (a dependency) name fetch's `Headers`: DOM's lib stands in for it here.
  it("the core's declarations type-check without Node's types (only its Node subpaths need them)", () => {
    writeFileSync(
      join(dir, "core.ts"),
      'import { generateToken, PasswordHelper, Tessera } from "tessera-auth";\n' +
        "export const uses = [generateToken, PasswordHelper, Tessera];\n",
    );
    writeFileSync(
      join(dir, "tsconfig.core.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023", "DOM"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: false,
          types: [],
          noEmit: true,
        },
        include: ["core.ts"],
      }),
    );
    for (const compiler of ["typescript", "typescript-7"]) {
      const checked = run(process.execPath, [
        `node_modules/${compiler}/bin/tsc`,
        "-p",
        "tsconfig.core.json",
      ]);
      expect({ compiler, status: checked.status, output: checked.stdout + checked.stderr }).toEqual(
        {
          compiler,
          status: 0,
          output: "",
        },
      );
    }
  });

  it("the CLI runs through npx: --help, then migrate creates the tables on SQLite", () => {
    const help = run(NPM, ["exec", "--", "tessera-auth", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: tessera-auth <command>");
    const migrated = run(NPM, ["exec", "--", "tessera-auth", "migrate"], {
      DATABASE_URL: "sqlite:cli.db",
    });
    expect({ status: migrated.status, stderr: migrated.stderr }).toEqual({ status: 0, stderr: "" });
    expect(migrated.stdout).toContain("applied 10 migrations");
    const again = run(NPM, ["exec", "--", "tessera-auth", "migrate"], {
      DATABASE_URL: "sqlite:cli.db",
    });
    expect(again.stdout).toBe("already up to date\n");
  });
});
