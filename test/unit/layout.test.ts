import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Every source file under a folder of src/. */
function sourcesOf(folder: string): string[] {
  return readdirSync(join(SRC, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|cjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The src/ files a source file imports, relative to src/. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map(([, spec = ""]) =>
    relative(SRC, resolve(dirname(file), spec)),
  );
}

/** DESIGN.md's layout: the domains stand on the core, never on the contract or the facade. */
describe("source layout", () => {
  it("the root of src/ holds only the entry points", () => {
    const files = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isFile());
    expect(files.map((entry) => entry.name).sort()).toEqual(["index.ts", "tessera.ts"]);
  });

  it("imports run one way: the core and the domains never import the routes, the integrations or the facade", () => {
    const upward = /^(http|integrations|adapters|cli|testing)\/|^tessera\.js$/;
    const crossings: string[] = [];
    for (const folder of [
      "core",
      "users",
      "sessions",
      "strategies",
      "transports",
      "oauth",
      "factors",
    ]) {
      for (const file of sourcesOf(folder)) {
        for (const target of importsOf(file)) {
          if (upward.test(target)) crossings.push(`${relative(SRC, file)} → ${target}`);
        }
      }
    }
    expect(crossings).toEqual([]);
  });

  it("the core stands on nothing but itself", () => {
    const outside = sourcesOf("core").flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith("core/"))
        .map((target) => `${relative(SRC, file)} → ${target}`),
    );
    expect(outside).toEqual([]);
  });
});
