import type { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import type { Measurement, Settings } from "./measurement.js";
import { DEMO_SERVER, DIST_DIR } from "./paths.js";
import { ServerProcess, withCpus } from "./server-process.js";
import { BENCH_PASSWORD } from "./sessions.js";
import { runWrk } from "./wrk.js";

/** Environment of every tessera demo the bench starts. */
export const DEMO_ENV = {
  // A fixed secret keeps the demo from warning; reset and verify tokens are not used here.
  TESSERA_SECRET: "tessera-bench-secret-not-for-production-000",
  TESSERA_TOKEN_LIFETIME: "3600",
  // The login storm's 32 clients and the set-up's sign-ins all come from 127.0.0.1: with the
  // limits on they would measure 429s. Only login-flood turns them back on, to measure them.
  TESSERA_RATE_LIMIT: "off",
};

export const CEILING_SERVER = join(DIST_DIR, "servers", "ceiling.js");
export const CEILING_EXPRESS_SERVER = join(DIST_DIR, "servers", "ceiling-express.js");
export const CEILING_FASTIFY_SERVER = join(DIST_DIR, "servers", "ceiling-fastify.js");
export const BETTER_AUTH_SERVER = join(DIST_DIR, "servers", "better-auth.js");

/**
 * What the bench loads. `start` runs once per run (the server process, its warm-up); `measure`
 * once per round, interleaved with the other scenarios' rounds, so every scenario sees the
 * machine in the same states and a ratio compares measurements taken seconds apart.
 */
export interface Scenario {
  readonly name: string;
  start(settings: Settings): Promise<RunningScenario>;
}

export interface RunningScenario {
  measure(settings: Settings): Promise<Measurement[]>;
  stop(): Promise<void>;
}

export interface HttpScenarioOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  path: string;
  headers?: Record<string, string>;
}

/** A server in its own process, warmed up, then loaded with wrk each round: one row. */
export function httpScenario(options: HttpScenarioOptions): Scenario {
  const { name, script, env, path, headers = {} } = options;
  return {
    name,
    async start(settings) {
      const server = await startServer(name, script, env, settings);
      const load = { url: `${server.url}${path}`, headers, cpus: settings.loadCpus };
      // Errors of unmeasured load, reported with the next round.
      let pending = await warmUp(server, async () => {
        await expectOk(name, load.url, headers);
        return (await runWrk({ ...load, seconds: settings.warmupSeconds })).errors;
      });
      return {
        async measure() {
          if (settings.rewarmSeconds > 0) {
            pending += (await runWrk({ ...load, seconds: settings.rewarmSeconds })).errors;
          }
          const cpuBefore = await server.cpuMicros();
          const result = await runWrk({ ...load, seconds: settings.seconds });
          const cpu_us = ((await server.cpuMicros()) - cpuBefore) / result.requests;
          const errors = result.errors + pending;
          pending = 0;
          return [{ name, ...figures(result), rss_mb: await server.peakRssMb(), errors, cpu_us }];
        },
        stop: () => server.stop(),
      };
    },
  };
}

/**
 * 32 clients logging in over and over (argon2id each time) while wrk loads
 * `/health` on the same server; `/health` is measured idle first, in the same
 * process and round, for the ratio. Three rows: health in the storm, health idle, logins.
 */
export function loginStormScenario(databaseUrl: string, emails: string[]): Scenario {
  const name = "login-storm";
  return {
    name,
    async start(settings) {
      const env = { ...DEMO_ENV, DATABASE_URL: databaseUrl };
      const server = await startServer(name, DEMO_SERVER, env, settings);
      const health = { url: `${server.url}/health`, cpus: settings.loadCpus };
      let pending = await warmUp(
        server,
        async () => (await runWrk({ ...health, seconds: settings.warmupSeconds })).errors,
      );
      return {
        async measure() {
          const idle = await runWrk({ ...health, seconds: settings.seconds });
          const client = withCpus(
            settings.loadCpus,
            process.execPath,
            [
              join(DIST_DIR, "login-storm-client.js"),
              server.url,
              String(settings.seconds + 1),
              ...emails,
            ],
            { ...process.env, BENCH_PASSWORD },
          );
          const output = collect(client);
          await new Promise((resolve) => setTimeout(resolve, 500)); // let the storm build up
          const stormy = await runWrk({ ...health, seconds: settings.seconds });
          const logins = JSON.parse(await output) as Measurement & {
            requests: number;
            seconds: number;
          };
          const rss_mb = await server.peakRssMb();
          const idleErrors = idle.errors + pending;
          pending = 0;
          return [
            { name: `${name}/health`, ...figures(stormy), rss_mb, errors: stormy.errors },
            { name: `${name}/health-idle`, ...figures(idle), rss_mb, errors: idleErrors },
            {
              name: `${name}/logins`,
              rps: logins.requests / logins.seconds,
              p50_ms: logins.p50_ms,
              p99_ms: logins.p99_ms,
              rss_mb,
              errors: logins.errors,
            },
          ];
        },
        stop: () => server.stop(),
      };
    },
  };
}

/** Seconds each scale probe warms up its lookups before measuring. */
const PROBE_WARMUP_SECONDS = 1;

/** `getUserByToken` alone, in a fresh process per round, on each pre-filled database: one row per size. */
export function scaleScenario(files: { name: string; file: string }[]): Scenario {
  return {
    name: "scale",
    async start() {
      return {
        async measure(settings) {
          const rows: Measurement[] = [];
          for (const { name, file } of files) {
            const probe = withCpus(settings.serverCpus, process.execPath, [
              join(DIST_DIR, "scale-probe.js"),
              file,
              String(PROBE_WARMUP_SECONDS),
              String(settings.seconds),
            ]);
            const result = JSON.parse(await collect(probe)) as Measurement & {
              requests: number;
              seconds: number;
            };
            const { p50_ms, p99_ms, rss_mb, errors } = result;
            rows.push({
              name,
              rps: result.requests / result.seconds,
              p50_ms,
              p99_ms,
              rss_mb,
              errors,
            });
          }
          return rows;
        },
        async stop() {},
      };
    },
  };
}

export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  settings: Settings,
): Promise<ServerProcess> {
  const nodeArgs = profiling(settings, name);
  return ServerProcess.start({ script, env, cpus: settings.serverCpus, nodeArgs });
}

/** Runs a server's warm-up; if it fails, stops the server before passing the error on. */
export async function warmUp<T>(server: ServerProcess, warm: () => Promise<T>): Promise<T> {
  try {
    return await warm();
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Node options that write the server's CPU profile, named after the scenario, when asked for. */
function profiling(settings: Settings, name: string): string[] {
  if (settings.profileDir === null) return [];
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${settings.profileDir}`,
    `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
  ];
}

export function figures(result: { rps: number; p50_ms: number; p99_ms: number }) {
  return { rps: result.rps, p50_ms: result.p50_ms, p99_ms: result.p99_ms };
}

/** Checks the request once before loading it, so a broken setup is reported in words, not only as errors. */
export async function expectOk(
  name: string,
  url: string,
  headers: Record<string, string>,
): Promise<void> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (!response.ok) {
    console.warn(`  ${name}: GET ${url} answers ${response.status} ${body.slice(0, 200)}`);
  }
}

/** The stdout of a child process, once it exits 0. */
export async function collect(child: ReturnType<typeof spawn>): Promise<string> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`${child.spawnargs.join(" ")} failed (exit ${code}): ${stderr}`);
  return stdout;
}
