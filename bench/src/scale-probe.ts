/**
 * The token lookup alone, run as its own process over one pre-filled SQLite
 * database: tessera's `getUserByToken` (the one prepared JOIN an authenticated
 * request costs) on 1,000 stored tokens picked at random across the table, in
 * turn, so a big table is read the way many users would read it, not through
 * one hot row.
 * Prints one JSON line: lookups, seconds, p50/p99 and misses.
 *
 * Usage: node scale-probe.js <sqlite-file> <warmup-seconds> <seconds>
 */
import { readFile } from "node:fs/promises";
import { sql } from "kysely";
import { percentile } from "./stats.js";
import { connect, kyselyAdapter } from "./tessera.js";

/** Sessions in use: the same number at every table size, so only the table grows. */
const SAMPLE = 1_000;
const [file, warmupText, secondsText] = process.argv.slice(2);
if (!file || !warmupText || !secondsText) {
  throw new Error("usage: scale-probe <sqlite-file> <warmup-seconds> <seconds>");
}

const { db, close } = await connect(`sqlite:${file}`);
const { accessTokens } = kyselyAdapter(db);
const sample = await sql<{ token: string; created_at: string }>`
  SELECT token, created_at FROM accesstoken ORDER BY random() LIMIT ${SAMPLE}`.execute(db);
const tokens = sample.rows.map((row) => row.token);
// Every sampled token must pass the expiry check: the query is the one a request runs, with its
// `created_at >=` bound, set just before the oldest sampled token.
const oldest = sample.rows.map((row) => row.created_at).sort()[0] ?? "";
const notBefore = new Date(`${oldest.replace(" ", "T").slice(0, 23)}Z`);
notBefore.setTime(notBefore.getTime() - 1000);

async function run(seconds: number, latencies: number[] | null): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let misses = 0;
  for (let i = 0; performance.now() < deadline; i++) {
    const token = tokens[i % tokens.length] as string;
    const started = performance.now();
    const user = await accessTokens.getUserByToken(token, notBefore);
    latencies?.push(performance.now() - started);
    if (user === null) misses++;
  }
  return misses;
}

await run(Number(warmupText), null);
const latencies: number[] = [];
const started = performance.now();
const misses = await run(Number(secondsText), latencies);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const status = await readFile("/proc/self/status", "utf8");
console.log(
  JSON.stringify({
    requests: latencies.length,
    seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    mean_ms: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
    errors: misses,
    rss_mb: Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]) / 1024,
  }),
);
await close();
