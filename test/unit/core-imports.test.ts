import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Every module reachable from a source file by static and dynamic imports. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
      if (!specifier) continue;
      if (specifier.startsWith("."))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("package boundaries", () => {
  it("the core imports no database driver and no web framework", () => {
    const { packages } = importGraph(resolve(SRC, "index.ts"));
    const external = [...packages].filter((name) => !name.startsWith("node:"));
    expect(external.sort()).toEqual(["@node-rs/argon2", "@node-rs/bcrypt", "jose"]);
  });

  it("nodemailer loads only through tessera/smtp, swagger-ui-dist only when /docs is built", () => {
    for (const entry of ["index.ts", "http/hono/index.ts"]) {
      expect([...importGraph(resolve(SRC, entry)).packages]).not.toContain("nodemailer");
    }
    expect([...importGraph(resolve(SRC, "mail/smtp-mailer.ts")).packages]).toContain("nodemailer");
    const hono = importGraph(resolve(SRC, "http/hono/index.ts")).packages;
    expect([...hono].filter((name) => name.includes("swagger"))).toEqual([]);
  });

  it("the Kysely adapter loads drivers only on demand and no web framework", () => {
    const { packages } = importGraph(resolve(SRC, "adapters/kysely/index.ts"));
    expect([...packages].filter((name) => /hono|express|fastify/.test(name))).toEqual([]);
    const source = readFileSync(resolve(SRC, "adapters/kysely/connect.ts"), "utf8");
    expect(source).not.toMatch(/^import .*"(better-sqlite3|pg|mysql2)"/m);
  });
});
