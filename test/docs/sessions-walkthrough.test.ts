import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";
import { freshDatabaseUrl } from "../support/test-database.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SCRIPT = resolve(ROOT, "examples/sessions-walkthrough.sh");
const missing = ["curl", "jq"].filter(
  (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0,
);
const reason = `needs ${missing.join(" and ")} (sudo apt-get install ${missing.join(" ")})`;

it.skipIf(missing.length > 0 && !process.env.CI)(
  `the README's sessions walk-through prints what it says, on the demo with TESSERA_REFRESH_TOKENS=1${missing.length > 0 ? ` (skipped: ${reason})` : ""}`,
  async () => {
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    expect(readme).toContain(
      `<!-- file: examples/sessions-walkthrough.sh -->\n\`\`\`sh\n${readFileSync(SCRIPT, "utf8")}\`\`\``,
    );
    expect(readme).toContain("TESSERA_REFRESH_TOKENS=1 TESSERA_TOKEN_LIFETIME=900 npm start");
    const demo = await DemoProcess.start(await freshDatabaseUrl(), {
      env: { TESSERA_REFRESH_TOKENS: "1", TESSERA_TOKEN_LIFETIME: "900" },
    });
    try {
      const run = spawnSync("bash", [SCRIPT], {
        env: { ...process.env, BASE: demo.url.replace(/\/$/, "") },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.stderr).toBe("");
      expect(run.stdout.trim().split("\n")).toEqual([
        '{"user_agent":"Phone/2.0","amr":["password"],"current":false}',
        '{"user_agent":"Laptop/1.0","amr":["password"],"current":true}',
        "phone ended: 204",
        '{"detail":"REFRESH_TOKEN_INVALID"}',
        '{"email":"ada@example.com"}',
        '{"detail":"REFRESH_TOKEN_REUSED"}',
        '{"detail":"Unauthorized"}',
      ]);
    } finally {
      await demo.stop();
    }
  },
);
