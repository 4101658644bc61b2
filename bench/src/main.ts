/**
 * `npm run bench`: every scenario of bench/README.md, each server in its own
 * process, loaded by wrk from another. Options: `--quick` (every scenario
 * briefly, for checks), `--rounds N`, `--only a,b` (scenario names), `--no-pin`,
 * `--cpu-prof` (servers write V8 CPU profiles to bench/results/profiles).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { rpsChart } from "./chart.js";
import { redisUnusable, unusableReason } from "./engines.js";
import { fillTesseraDatabase, removeSqliteFile } from "./fill.js";
import { fillBetterAuthDatabase } from "./fill-better-auth.js";
import { FLOOD_CLIENTS, loginFloodScenario } from "./login-flood-scenario.js";
import { loginTimingScenario } from "./login-timing-scenario.js";
import { describeMachine, loadAverage } from "./machine.js";
import type { Measurement, ScenarioResult, Settings } from "./measurement.js";
import { BENCH_DIR, DATA_DIR, DEMO_SERVER, exampleServer, RESULTS_DIR } from "./paths.js";
import { purgeScenario } from "./purge-scenario.js";
import { computeRatios } from "./ratios.js";
import {
  answersText,
  describeSettings,
  ratiosText,
  resultsMarkdown,
  resultsTable,
} from "./report.js";
import { revocationScenario } from "./revocation-scenario.js";
import {
  BETTER_AUTH_SERVER,
  CEILING_EXPRESS_SERVER,
  CEILING_FASTIFY_SERVER,
  CEILING_SERVER,
  DEMO_ENV,
  httpScenario,
  loginStormScenario,
  type RunningScenario,
  type Scenario,
  scaleScenario,
} from "./scenarios.js";
import { ServerProcess } from "./server-process.js";
import { betterAuthCookie, registerTessera, tesseraCredentials } from "./sessions.js";
import { median } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    only: { type: "string" },
    "no-pin": { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
  },
});

/** Rows of the table, in this order. */
const ORDER = [
  "health",
  "ceiling-sqlite",
  "me-sqlite",
  "me-sqlite-idle",
  "me-drizzle-sqlite",
  "ceiling-express",
  "me-express",
  "ceiling-fastify",
  "me-fastify",
  "me-cookie-sqlite",
  "me-redis",
  "me-postgres",
  "me-mysql",
  "me-postgres-cached",
  "me-mysql-cached",
  "revocation",
  "peer-better-auth",
  "login-storm",
  "login-flood",
  "login-timing",
  "scale",
  "purge",
];
const OTHER_USERS = 100_000;
const STORM_CLIENTS = 32;
/** Accounts of the login flood's database the attackers guess at, and its legitimate users. */
const FLOOD_EXISTING = 1_000;
const FLOOD_LEGIT_USERS = 64;
const BENCH_EMAIL = "bench@example.com";
const ENGINES = [
  {
    name: "me-postgres",
    url: process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/tessera_bench",
  },
  {
    name: "me-mysql",
    url: process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/tessera_bench",
  },
];

const settings: Settings = {
  quick: args.quick,
  rounds: Number(args.rounds ?? (args.quick ? 1 : 10)),
  warmupSeconds: args.quick ? 1 : 5,
  rewarmSeconds: args.quick ? 0 : 1,
  seconds: 3,
  serverCpus: args["no-pin"] ? null : (process.env.BENCH_SERVER_CPUS ?? "0"),
  loadCpus: args["no-pin"] ? null : (process.env.BENCH_LOAD_CPUS ?? "1"),
  profileDir: args["cpu-prof"] ? join(RESULTS_DIR, "profiles") : null,
};
const only = args.only ? new Set(args.only.split(",")) : null;
const wanted = (name: string) => !only || only.has(name);

const machine = describeMachine();
const started = performance.now();
console.log(`tessera bench (${settings.quick ? "quick" : "full"}): ${describeSettings(settings)}`);
console.log(`load average before: ${machine.loadavg_before.join(" ")}`);

// Set-up, not measured: databases filled (and kept between runs), users signed in.
await mkdir(DATA_DIR, { recursive: true });
const sqlite = (name: string) => `sqlite:${join(DATA_DIR, name)}`;
const mainDb = sqlite(`tessera-${OTHER_USERS}.db`);
const scaleFiles = [
  { name: "scale-1e3", file: join(DATA_DIR, "tessera-1000.db"), users: 1_000 },
  { name: "scale-1e6", file: join(DATA_DIR, "tessera-1000000.db"), users: 1_000_000 },
];
const betterAuthFile = join(DATA_DIR, `better-auth-${OTHER_USERS}.db`);
const stormFile = join(DATA_DIR, "login-storm.db");
const floodFile = join(DATA_DIR, "login-flood.db");

step(`filling SQLite with ${OTHER_USERS.toLocaleString("en-US")} other users and their tokens`);
await fillTesseraDatabase(mainDb, OTHER_USERS);
const sqliteEnv = {
  ...DEMO_ENV,
  DATABASE_URL: mainDb,
  DATABASE_FILE: mainDb.slice("sqlite:".length),
};
const sqliteCredentials = await withDemo(sqliteEnv, (url) => tesseraCredentials(url, BENCH_EMAIL));

const scenarios: Scenario[] = [];
/** Measured after every other scenario, in the last round (see purgeScenario). */
const purges: Scenario[] = [];
const skipped: ScenarioResult[] = [];
scenarios.push(
  httpScenario({ name: "health", script: DEMO_SERVER, env: sqliteEnv, path: "/health" }),
);
// Within a round, the two scenarios of the headline ratio (me-sqlite over ceiling-sqlite) run back to
// back, so the machine's drift on a shared host hits both alike.
scenarios.push(
  httpScenario({
    name: "ceiling-sqlite-routed",
    script: CEILING_SERVER,
    env: { ...sqliteEnv, CEILING_ROUTES: "demo" },
    path: "/users/me",
    headers: sqliteCredentials.bearer,
  }),
);
scenarios.push(
  httpScenario({
    name: "ceiling-sqlite",
    script: CEILING_SERVER,
    env: sqliteEnv,
    path: "/users/me",
    headers: sqliteCredentials.bearer,
  }),
);
scenarios.push(
  httpScenario({
    name: "me-sqlite",
    script: DEMO_SERVER,
    env: sqliteEnv,
    path: "/users/me",
    headers: sqliteCredentials.bearer,
  }),
);
// The same with an idle timeout: the lookup also checks the last use, written once a minute.
scenarios.push(
  httpScenario({
    name: "me-sqlite-idle",
    script: DEMO_SERVER,
    env: { ...sqliteEnv, TESSERA_IDLE_TIMEOUT: "1800" },
    path: "/users/me",
    headers: sqliteCredentials.bearer,
  }),
);
// The same request served by the Drizzle adapter (TESSERA_ADAPTER=drizzle), on the same file.
scenarios.push(
  httpScenario({
    name: "me-drizzle-sqlite",
    script: DEMO_SERVER,
    env: { ...sqliteEnv, TESSERA_ADAPTER: "drizzle" },
    path: "/users/me",
    headers: sqliteCredentials.bearer,
  }),
);
// The same request on the Express and Fastify example apps, each beside its own framework's
// hand-written ceiling, back to back as above.
for (const [framework, ceiling] of [
  ["express", CEILING_EXPRESS_SERVER],
  ["fastify", CEILING_FASTIFY_SERVER],
] as const) {
  const meOptions = { env: sqliteEnv, path: "/users/me", headers: sqliteCredentials.bearer };
  scenarios.push(httpScenario({ name: `ceiling-${framework}`, script: ceiling, ...meOptions }));
  scenarios.push(
    httpScenario({ name: `me-${framework}`, script: exampleServer(framework), ...meOptions }),
  );
}
scenarios.push(
  httpScenario({
    name: "me-cookie-sqlite",
    script: DEMO_SERVER,
    env: sqliteEnv,
    path: "/users/me",
    headers: sqliteCredentials.cookie,
  }),
);
// The Redis strategy: users in the SQLite file, sessions in Redis (a token lookup, then the user).
if (wanted("me-redis")) {
  const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  step(`checking me-redis (${redisUrl})`);
  const reason = await redisUnusable(redisUrl);
  if (reason) {
    console.log(`  skipped: ${reason}`);
    skipped.push(skippedResult("me-redis", reason));
  } else {
    const env = { ...sqliteEnv, TESSERA_STRATEGY: "redis", REDIS_URL: redisUrl };
    const credentials = await withDemo(env, (url) => tesseraCredentials(url, BENCH_EMAIL));
    scenarios.push(
      httpScenario({
        name: "me-redis",
        script: DEMO_SERVER,
        env,
        path: "/users/me",
        headers: credentials.bearer,
      }),
    );
  }
}
for (const engine of ENGINES) {
  const purgeName = engine.name.replace("me-", "purge-");
  const cachedName = `${engine.name}-cached`;
  const revocationName = engine.name.replace("me-", "revocation-");
  if (![engine.name, purgeName, cachedName, revocationName].some(wanted)) continue;
  step(`checking ${engine.name} (${engine.url})`);
  const reason = await unusableReason(engine.url);
  if (reason) {
    console.log(`  skipped: ${reason}`);
    skipped.push(skippedResult(engine.name, reason));
    continue;
  }
  await fillTesseraDatabase(engine.url, OTHER_USERS);
  const env = { ...DEMO_ENV, DATABASE_URL: engine.url };
  const credentials = await withDemo(env, (url) => tesseraCredentials(url, BENCH_EMAIL));
  if (wanted(purgeName)) {
    purges.push(
      purgeScenario({ name: purgeName, databaseUrl: engine.url, headers: credentials.bearer }),
    );
  }
  if (wanted(engine.name)) {
    scenarios.push(
      httpScenario({
        name: engine.name,
        script: DEMO_SERVER,
        env,
        path: "/users/me",
        headers: credentials.bearer,
      }),
    );
  }
  // The session cache on: the token wrk sends is served from memory after its first request.
  const cachedEnv = { ...env, TESSERA_CACHE: "1" };
  if (wanted(cachedName)) {
    scenarios.push(
      httpScenario({
        name: cachedName,
        script: DEMO_SERVER,
        env: cachedEnv,
        path: "/users/me",
        headers: credentials.bearer,
      }),
    );
  }
  if (wanted(revocationName)) {
    scenarios.push(
      revocationScenario({ name: revocationName, env: cachedEnv, email: "revocation@example.com" }),
    );
  }
}
if (wanted("purge-sqlite")) {
  // A file of its own: 10^6 rows added and deleted would leave the main file's pages scattered.
  const url = sqlite(`purge-${OTHER_USERS}.db`);
  step(`filling the purge's SQLite with ${OTHER_USERS.toLocaleString("en-US")} users`);
  await fillTesseraDatabase(url, OTHER_USERS);
  const env = { ...DEMO_ENV, DATABASE_URL: url };
  const credentials = await withDemo(env, (demo) => tesseraCredentials(demo, BENCH_EMAIL));
  purges.push(
    purgeScenario({ name: "purge-sqlite", databaseUrl: url, headers: credentials.bearer }),
  );
}
if (wanted("peer-better-auth")) {
  step(
    `filling Better Auth's SQLite tables with ${OTHER_USERS.toLocaleString("en-US")} users and sessions`,
  );
  await fillBetterAuthDatabase(betterAuthFile, OTHER_USERS);
  const env = { DATABASE_FILE: betterAuthFile };
  const server = await ServerProcess.start({ script: BETTER_AUTH_SERVER, env, cpus: null });
  const cookie = await betterAuthCookie(server.url, BENCH_EMAIL).finally(() => server.stop());
  scenarios.push(
    httpScenario({
      name: "peer-better-auth",
      script: BETTER_AUTH_SERVER,
      env,
      path: "/api/auth/get-session",
      headers: cookie,
    }),
  );
}
if (wanted("login-storm")) {
  step(`registering ${STORM_CLIENTS} users for the login storm`);
  await removeSqliteFile(stormFile);
  const env = { ...DEMO_ENV, DATABASE_URL: `sqlite:${stormFile}` };
  const emails = Array.from({ length: STORM_CLIENTS }, (_, i) => `storm${i}@example.com`);
  await withDemo(env, async (url) => {
    for (const email of emails) await registerTessera(url, email);
  });
  scenarios.push(loginStormScenario(env.DATABASE_URL, emails));
}
if (wanted("login-flood")) {
  step(
    `filling the login flood's SQLite with ${FLOOD_EXISTING} users and registering ${FLOOD_LEGIT_USERS} legitimate ones`,
  );
  const databaseUrl = `sqlite:${floodFile}`;
  await removeSqliteFile(floodFile);
  await fillTesseraDatabase(databaseUrl, FLOOD_EXISTING);
  const legitEmails = Array.from({ length: FLOOD_LEGIT_USERS }, (_, i) => `legit${i}@example.com`);
  // Registered with the limits off (DEMO_ENV); the scenario's own server has them on.
  await withDemo({ ...DEMO_ENV, DATABASE_URL: databaseUrl }, async (url) => {
    for (const email of legitEmails) await registerTessera(url, email);
  });
  console.log(`  ${FLOOD_CLIENTS} attackers, each from its own 127.x.y.z address`);
  scenarios.push(loginFloodScenario({ databaseUrl, existing: FLOOD_EXISTING, legitEmails }));
}
if (wanted("login-timing")) {
  // The main database: its 100,000 filled accounts are the known emails (wrong passwords write nothing).
  scenarios.push(loginTimingScenario({ env: sqliteEnv, existing: OTHER_USERS }));
}
if (wanted("scale")) {
  for (const { file, users } of scaleFiles) {
    step(
      `filling SQLite with ${users.toLocaleString("en-US")} users and tokens (kept for later runs)`,
    );
    await fillTesseraDatabase(`sqlite:${file}`, users);
  }
  scenarios.push(scaleScenario(scaleFiles));
}

const measured = [...scenarios, ...purges].filter((scenario) => wanted(scenario.name));
const running = new Map<string, RunningScenario>();
const failures = new Map<string, string>();
const fail = (name: string, error: unknown) => {
  console.error(`  ${name} failed: ${(error as Error).message}`);
  failures.set(name, (error as Error).message.split("\n")[0] ?? "error");
};
for (const scenario of measured) {
  step(`starting and warming up ${scenario.name}`);
  try {
    running.set(scenario.name, await scenario.start(settings));
  } catch (error) {
    fail(scenario.name, error);
  }
}

// The rounds: every scenario once per round, so slow drift on a shared machine hits them all alike.
/** Each scenario's rows, one array per round. */
const byScenario = new Map<string, Measurement[][]>();
const roundRows: Measurement[][] = [];
for (let round = 1; round <= settings.rounds; round++) {
  step(`round ${round}/${settings.rounds}`);
  const rows: Measurement[] = [];
  for (const [name, scenario] of running) {
    if (failures.has(name)) continue;
    try {
      const measuredRows = await scenario.measure(settings);
      byScenario.set(name, [...(byScenario.get(name) ?? []), measuredRows]);
      rows.push(...measuredRows);
      for (const row of measuredRows) {
        const answers = row.statuses ? ` (${JSON.stringify(row.statuses)})` : "";
        console.log(
          `  ${row.name}: ${Math.round(row.rps)} req/s, p50 ${row.p50_ms.toFixed(2)} ms, p99 ${row.p99_ms.toFixed(2)} ms, ${row.errors} errors${answers}`,
        );
      }
    } catch (error) {
      fail(name, error);
    }
  }
  roundRows.push(rows);
}
for (const scenario of running.values()) await scenario.stop();

const results = orderResults([
  ...[...byScenario.values()].flatMap(summarize),
  ...[...failures].map(([name, reason]) => ({
    ...skippedResult(name, ""),
    skipped: undefined,
    failed: reason,
  })),
  ...skipped,
]);
machine.loadavg_after = loadAverage();
const ratios = computeRatios(roundRows);

// Output.
// Partial runs (quick, or --only) never overwrite the latest full run.
const stem = settings.quick ? "quick" : only ? "partial" : "latest";
const title = `tessera bench, ${machine.date.slice(0, 10)} (${stem === "latest" ? "full" : stem} run)`;
await mkdir(RESULTS_DIR, { recursive: true });
await writeFile(
  join(RESULTS_DIR, `${stem}.json`),
  `${JSON.stringify({ machine, settings, scenarios: results, ratios }, null, 2)}\n`,
);
await writeFile(
  join(RESULTS_DIR, `${stem}.md`),
  `${resultsTable(results)}\n${answersText(results)}`,
);
await writeFile(join(RESULTS_DIR, `${stem}.svg`), rpsChart(results, title));
if (!settings.quick && !only) {
  await writeFile(
    join(BENCH_DIR, "RESULTS.md"),
    resultsMarkdown(machine, settings, results, ratios),
  );
}

console.log(
  `\n${resultsTable(results)}\n${answersText(results)}\n\nratios (target):\n${ratiosText(ratios)}`,
);
console.log(`\nload average after: ${machine.loadavg_after.join(" ")}`);
console.log(
  `wrote bench/results/${stem}.{json,md,svg}${settings.quick || only ? "" : " and bench/RESULTS.md"} in ${Math.round((performance.now() - started) / 1000)} s`,
);
if (failures.size > 0) process.exitCode = 1;

/** Starts a demo on `env`, runs `use` against it, stops it. */
async function withDemo<T>(
  env: Record<string, string>,
  use: (url: string) => Promise<T>,
): Promise<T> {
  const server = await ServerProcess.start({ script: DEMO_SERVER, env, cpus: null });
  try {
    return await use(server.url);
  } finally {
    await server.stop();
  }
}

/**
 * The round whose first row has the median req/s stands for the scenario (all its rows from that
 * one round, so a storm is shown beside its own idle figures); errors add up over rounds; memory
 * is the peak; CPU per request is the median of its own.
 */
function summarize(allRounds: Measurement[][]): ScenarioResult[] {
  // A one-shot scenario (the purges) measures in its first round only.
  const rounds = allRounds.filter((rows) => rows.length > 0);
  const firsts = rounds.map((rows) => rows[0]?.rps ?? Number.NaN);
  const chosen = rounds[firsts.indexOf(median(firsts))] ?? [];
  return chosen.map((row) => {
    const same = rounds.flatMap((rows) => rows.filter((other) => other.name === row.name));
    const cpu = same.flatMap((other) => other.cpu_us ?? []);
    return {
      ...row,
      ...(cpu.length > 0 ? { cpu_us: median(cpu) } : {}),
      errors: same.reduce((sum, other) => sum + other.errors, 0),
      rss_mb: Math.max(...same.map((other) => other.rss_mb)),
      rps_rounds: same.map((other) => Math.round(other.rps)),
      ...(row.statuses ? { statuses: sumStatuses(same) } : {}),
    };
  });
}

/** Answers by status, added up over rounds (as errors are). */
function sumStatuses(rows: Measurement[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const row of rows) {
    for (const [status, count] of Object.entries(row.statuses ?? {})) {
      sum[status] = (sum[status] ?? 0) + count;
    }
  }
  return sum;
}

function skippedResult(name: string, reason: string): ScenarioResult {
  const none = Number.NaN;
  return {
    name,
    rps: none,
    p50_ms: none,
    p99_ms: none,
    rss_mb: none,
    errors: 0,
    rps_rounds: [],
    skipped: reason,
  };
}

function orderResults(results: ScenarioResult[]): ScenarioResult[] {
  const rank = (name: string) =>
    ORDER.findIndex(
      (prefix) => name === prefix || name.startsWith(`${prefix}/`) || name.startsWith(`${prefix}-`),
    );
  return results.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function step(text: string): void {
  console.log(
    `[${Math.round((performance.now() - started) / 1000)
      .toString()
      .padStart(4)} s] ${text}`,
  );
}
