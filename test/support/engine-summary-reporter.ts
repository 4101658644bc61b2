import type { Reporter, TestModule } from "vitest/node";
import type { EngineStatus } from "./engines.js";

/**
 * Prints, after the run, how many tests ran per project: `core` (unit, CLI,
 * docs) and one per database engine, with the reason an engine was skipped.
 */
export default class EngineSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = new Map<string, Record<"passed" | "failed" | "skipped", number>>();
    for (const module of testModules) {
      const name = module.project.name || "default";
      const count = counts.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed" || state === "failed" || state === "skipped") count[state]++;
      }
      counts.set(name, count);
    }
    const lines = [...counts].map(([name, { passed, failed, skipped }]) => {
      const status = readStatus(name);
      const why =
        status && !status.available
          ? ` (unreachable: ${status.reason}; to run it: sudo bash .ci/setup-databases)`
          : "";
      return `  ${name.padEnd(16)} ${passed} passed, ${failed} failed, ${skipped} skipped${why}`;
    });
    process.stdout.write(`\nTests per project:\n${lines.join("\n")}\n`);
  }
}

function readStatus(project: string): EngineStatus | undefined {
  const raw = process.env[`TESSERA_ENGINE_STATUS_${project}`];
  return raw ? (JSON.parse(raw) as EngineStatus) : undefined;
}
