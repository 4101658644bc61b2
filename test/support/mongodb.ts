import { MongoClient } from "mongodb";

/** The test MongoDB server: `MONGODB_URL` (any real MongoDB), else the FerretDB `.ci/setup-databases` starts. */
export const MONGODB_URL = process.env.MONGODB_URL ?? "mongodb://127.0.0.1:27017";

/**
 * Why MongoDB cannot be used (its tests are then skipped, saying so), or
 * `null` when it answers. With CI=true an absent server fails the run instead.
 */
export async function mongoUnavailable(): Promise<string | null> {
  const probe = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
  try {
    await probe.db("admin").command({ ping: 1 });
    return null;
  } catch (error) {
    const reason = `MongoDB at ${MONGODB_URL} is unreachable (${(error as Error).message})`;
    if (process.env.CI === "true") {
      throw new Error(
        `${reason}; with CI=true it must run (bash .ci/setup-databases starts FerretDB)`,
      );
    }
    console.warn(
      `tessera tests: ${reason}: skipping its tests. To run them: sudo bash .ci/setup-databases`,
    );
    return reason;
  } finally {
    await probe.close();
  }
}

/** The prefix of a test run's MongoDB databases for the HTTP suite (the global setup drops them). */
export function mongoRunPrefix(runId: string): string {
  return `tessera_test_http_r${runId}_`;
}

/** A database name of this process's own on the test server, for one purpose. */
export function mongoTestDatabase(purpose: string): string {
  return `tessera_test_${purpose}_r${process.pid}_`;
}

/** Drops the test server's databases whose names `doomed` picks. */
export async function dropMongoDatabases(doomed: (name: string) => boolean): Promise<void> {
  const client = new MongoClient(MONGODB_URL, { serverSelectionTimeoutMS: 2000 });
  try {
    const { databases } = await client.db("admin").admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) if (doomed(name)) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}
