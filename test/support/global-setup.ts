import type { TestProject } from "vitest/node";
import { type EngineName, type EngineStatus, redactUrl, serverUrl } from "./engines.js";
import { dropMongoDatabases, mongoRunPrefix, mongoUnavailable } from "./mongodb.js";
import { redisUnavailable } from "./redis.js";
import { dropDatabase, listDatabases, runDatabasePrefix, withServer } from "./server-databases.js";

/**
 * Runs once per project before its tests: probes the project's engine, drops
 * databases left by test runs that are no longer alive, and hands the status
 * to the tests. An unreachable engine skips its tests with a printed reason,
 * or fails the run when `CI=true`.
 */
/** The one command that starts the database servers and creates what the tests need. */
const ENABLE_ENGINES = "sudo bash .ci/setup-databases";

export default async function setup(project: TestProject) {
  const engine = project.config.env?.TESSERA_TEST_ENGINE as EngineName | undefined;
  if (!engine) return;
  const runId = String(process.pid);
  let status: EngineStatus = { engine, available: true, runId };
  const redisReason =
    project.config.env?.TESSERA_TEST_STRATEGY === "redis" ? await redisUnavailable() : null;
  if (redisReason !== null) status = { engine, available: false, reason: redisReason, runId };
  const onMongo = project.config.env?.TESSERA_TEST_STORE === "mongodb";
  const mongoReason = onMongo ? await mongoUnavailable() : null;
  if (mongoReason !== null) status = { engine, available: false, reason: mongoReason, runId };
  if (onMongo && mongoReason === null) {
    // Databases of earlier runs that died before their teardown.
    await dropMongoDatabases((name) => {
      const owner = Number(/^tessera_test_[a-z]+_r(\d+)_/.exec(name)?.[1]);
      return Number.isInteger(owner) && !isAlive(owner);
    });
  }
  if (engine !== "sqlite") {
    try {
      await withServer(engine, async (db) => {
        for (const name of await listDatabases(db, engine, runDatabasePrefix(engine))) {
          const owner = Number(/_r(\d+)_/.exec(name)?.[1]);
          if (!isAlive(owner)) await dropDatabase(db, engine, name);
        }
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message || error.name : String(error);
      status = { engine, available: false, reason, runId };
      const line = `tessera tests: ${engine} at ${redactUrl(serverUrl(engine))} is unreachable (${reason})`;
      if (process.env.CI === "true") {
        throw new Error(`${line}; with CI=true every engine must run (bash .ci/run starts them)`);
      }
      console.warn(
        `${line}: skipping its tests. To run them: ${ENABLE_ENGINES} (or set TESSERA_ENGINES to choose engines).`,
      );
    }
  }
  // For the summary, by project (several projects run on SQLite).
  process.env[`TESSERA_ENGINE_STATUS_${project.name}`] = JSON.stringify(status);
  project.provide("engine", status);
  if (onMongo && status.available) {
    return () => dropMongoDatabases((name) => name.startsWith(mongoRunPrefix(runId)));
  }
  if (!status.available || engine === "sqlite") return;
  return async () => {
    await withServer(engine, async (db) => {
      for (const name of await listDatabases(db, engine, `${runDatabasePrefix(engine)}${runId}_`)) {
        await dropDatabase(db, engine, name);
      }
    });
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
