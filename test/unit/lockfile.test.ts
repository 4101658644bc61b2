import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

describe("package-lock.json", () => {
  it("records every optional platform package, so `npm ci` accepts it here", () => {
    // The registry mirror here answers 404 for non-Linux builds; npm then drops them from
    // the lockfile and `npm ci` refuses it. scripts/complete-lockfile.mjs adds them back.
    const dir = mkdtempSync(join(tmpdir(), "tessera-lock-"));
    try {
      const copy = join(dir, "package-lock.json");
      writeFileSync(copy, readFileSync(resolve(ROOT, "package-lock.json")));
      const script = readFileSync(resolve(ROOT, "scripts/complete-lockfile.mjs"), "utf8");
      writeFileSync(
        join(dir, "complete.mjs"),
        script.replace('"../package-lock.json"', '"./package-lock.json"'),
      );
      const output = execFileSync(process.execPath, [join(dir, "complete.mjs")], {
        encoding: "utf8",
      });
      expect(output, "run `node scripts/complete-lockfile.mjs` and commit the lockfile").toContain(
        "added 0 optional platform record(s)",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
