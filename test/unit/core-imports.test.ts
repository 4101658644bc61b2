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
    // Static and dynamic imports, `require` in CommonJS, and worker files (`new URL("./x.cjs", …)`).
    const references = /(?:from|import|require)\s*\(?\s*"([^"]+)"|new URL\("(\.[^"]+)"/g;
    for (const [, specifier = "", workerFile] of source.matchAll(references)) {
      if (workerFile) visit(resolve(dirname(file), workerFile));
      else if (specifier.startsWith("."))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else if (specifier) packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("package boundaries", () => {
  it("the core imports no database driver and no web framework", () => {
    const { packages } = importGraph(resolve(SRC, "index.ts"));
    const external = [...packages].filter((name) => !name.startsWith("node:"));
    expect(external.sort()).toEqual(["@node-rs/argon2", "@node-rs/bcrypt", "jose", "otpauth"]);
  });

  it("nodemailer loads only through tessera-auth/smtp, swagger-ui-dist only when /docs is built", () => {
    for (const entry of ["index.ts", "integrations/hono/index.ts"]) {
      expect([...importGraph(resolve(SRC, entry)).packages]).not.toContain("nodemailer");
    }
    expect([...importGraph(resolve(SRC, "mail/smtp-mailer.ts")).packages]).toContain("nodemailer");
    const core = importGraph(resolve(SRC, "index.ts")).packages;
    expect([...core].filter((name) => name.includes("swagger"))).toEqual([]);
  });

  it("each integration loads its own framework at most, and no other integration's files", () => {
    for (const [name, allowed] of [
      ["hono", ["hono"]],
      ["express", []],
      ["fastify", []],
    ] as const) {
      const { files, packages } = importGraph(resolve(SRC, `integrations/${name}/index.ts`));
      const frameworks = [...packages].filter((p) => /^(hono|express|fastify)(\/|$)/.test(p));
      expect(frameworks.map((p) => p.split("/")[0])).toEqual(
        expect.arrayContaining(allowed.length ? [...allowed] : []),
      );
      for (const p of frameworks) expect(allowed as readonly string[]).toContain(p.split("/")[0]);
      const others = [...files].filter(
        (file) => file.includes("/integrations/") && !file.includes(`/integrations/${name}/`),
      );
      expect(others).toEqual([]);
    }
  });

  it("the Kysely adapter loads drivers only on demand and no web framework", () => {
    const { packages } = importGraph(resolve(SRC, "adapters/kysely/index.ts"));
    expect([...packages].filter((name) => /hono|express|fastify/.test(name))).toEqual([]);
    const source = readFileSync(resolve(SRC, "adapters/kysely/connect.ts"), "utf8");
    expect(source).not.toMatch(/^import .*"(better-sqlite3|pg|mysql2)"/m);
  });
});
