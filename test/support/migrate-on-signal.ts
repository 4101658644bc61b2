// A child process for the concurrent-migration test: opens DATABASE_URL, says
// "ready", waits for "go" on stdin, then migrates and prints its report as JSON.
// The parent says "go" to every child at once, so their migrations overlap.
// TESSERA_USER_FIELDS (JSON) declares custom user fields whose columns it adds.
import { createInterface } from "node:readline";
import { connect, migrateToLatest } from "tessera-auth/kysely";

const connection = await connect(process.env.DATABASE_URL ?? "");
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === "go") break;
lines.close();
try {
  const userFields = JSON.parse(process.env.TESSERA_USER_FIELDS ?? "{}");
  const report = await migrateToLatest(connection.db, { userFields });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await connection.close();
}
