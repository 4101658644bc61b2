import { defineConfig } from "vitest/config";
import { selectedEngines } from "./test/support/engines.js";

/**
 * One project for the engine-independent tests (`core`) and one per SQL
 * engine, each running the HTTP contract, its conformance suite and the
 * engine tests against a real server. `TESSERA_ENGINES=sqlite,postgres`
 * picks engines (default: all).
 */
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ["default", "./test/support/engine-summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "core",
          include: [
            "test/unit/**/*.test.ts",
            "test/cli/**/*.test.ts",
            "test/node/**/*.test.ts",
            "test/docs/**/*.test.ts",
            "test/browser/**/*.test.ts",
            "test/redis/**/*.test.ts",
          ],
        },
      },
      ...selectedEngines().map((engine) => ({
        extends: true as const,
        test: {
          name: engine,
          include: [
            "test/http/**/*.test.ts",
            `test/conformance/${engine}.test.ts`,
            "test/engines/**/*.test.ts",
            `test/${engine}/**/*.test.ts`,
          ],
          // A local zone far from UTC, with a half-hour offset: a date read or
          // written in local time anywhere would move an expiry and fail.
          env: { TESSERA_TEST_ENGINE: engine, TZ: "America/St_Johns" },
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/engine-setup.ts"],
        },
      })),
    ],
  },
});
