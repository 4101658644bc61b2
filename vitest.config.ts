import { defineConfig } from "vitest/config";
import { selectedEngines, selectedFrameworks } from "./test/support/engines.js";

/**
 * One project for the engine-independent tests (`core`) and one per SQL
 * engine, each running the HTTP contract (on Hono), its conformance suite and
 * the engine tests against a real server; and one per other framework
 * running the HTTP contract on SQLite. `TESSERA_ENGINES=sqlite,postgres` and
 * `TESSERA_FRAMEWORKS=express,fastify` pick them (default: all).
 */
/**
 * The contract files that hold for every strategy; those whose revocations a JWT honours by
 * raising the user's stamp (credential changes); and those that also need one token revoked.
 */
const ANY_STRATEGY = [
  "account-spellings",
  "bad-input",
  "body-limit-keep-alive",
  "csrf",
  "device-cookie",
  "jwt-revocation",
  "oauth-associate",
  "oauth-sign-in",
  "private-answers",
  "rate-limit",
  "register",
  "reset-password",
  "routes",
  "user-fields",
  "users-admin",
  "verify",
];
const BY_STAMP = ["revocation", "users-me"];
const REVOCABLE = [...BY_STAMP, "unauthorized"];
const STRATEGY_SUITES = [
  { strategy: "redis", files: [...ANY_STRATEGY, ...REVOCABLE] },
  { strategy: "jwt", files: [...ANY_STRATEGY, ...BY_STAMP] },
];

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
            "test/mongodb/**/*.test.ts",
            "test/package/**/*.test.ts",
            "test/oauth/**/*.test.ts",
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
          // A server to stop or black-hole: SQLite has none (its faults: test/sqlite).
          exclude: engine === "sqlite" ? ["test/engines/database-faults.test.ts"] : [],
          // A local zone far from UTC, with a half-hour offset: a date read or
          // written in local time anywhere would move an expiry and fail.
          env: { TESSERA_TEST_ENGINE: engine, TZ: "America/St_Johns" },
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/engine-setup.ts"],
        },
      })),
      // The HTTP contract suite once more per other framework (Express and Fastify, two majors
      // each), on SQLite; the engine projects above run it on Hono.
      ...(selectedEngines().includes("sqlite") ? selectedFrameworks() : []).map((framework) => ({
        extends: true as const,
        test: {
          name: `sqlite-${framework}`,
          include: ["test/http/**/*.test.ts"],
          env: {
            TESSERA_TEST_ENGINE: "sqlite",
            TESSERA_TEST_FRAMEWORK: framework,
            TZ: "America/St_Johns",
          },
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/engine-setup.ts"],
        },
      })),
      // The storage-agnostic part of the HTTP contract suite once more per other strategy, on
      // SQLite (the rest asserts the database strategy's own tables and features: the rows it
      // stores, refresh tokens, caps, idle timeouts, fresh sessions; and, for JWTs, logout).
      ...(selectedEngines().includes("sqlite") ? STRATEGY_SUITES : []).map(
        ({ strategy, files }) => ({
          extends: true as const,
          test: {
            name: `sqlite-${strategy}`,
            include: files.map((file) => `test/http/${file}.test.ts`),
            env: {
              TESSERA_TEST_ENGINE: "sqlite",
              TESSERA_TEST_STRATEGY: strategy,
              TZ: "America/St_Johns",
            },
            globalSetup: ["test/support/global-setup.ts"],
            setupFiles: ["test/support/engine-setup.ts"],
          },
        }),
      ),
      // The whole HTTP contract once more with the Drizzle adapter serving the demo, on SQLite.
      ...(selectedEngines().includes("sqlite") ? ["drizzle"] : []).map((adapter) => ({
        extends: true as const,
        test: {
          name: `sqlite-${adapter}`,
          include: ["test/http/**/*.test.ts"],
          env: {
            TESSERA_TEST_ENGINE: "sqlite",
            TESSERA_TEST_ADAPTER: adapter,
            TZ: "America/St_Johns",
          },
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/engine-setup.ts"],
        },
      })),
      // The storage-agnostic contract once more on the MongoDB adapter (FerretDB here).
      {
        extends: true as const,
        test: {
          name: "mongodb",
          include: [...ANY_STRATEGY, ...REVOCABLE].map((file) => `test/http/${file}.test.ts`),
          env: {
            TESSERA_TEST_ENGINE: "sqlite",
            TESSERA_TEST_STORE: "mongodb",
            TZ: "America/St_Johns",
          },
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/engine-setup.ts"],
        },
      },
    ],
  },
});
