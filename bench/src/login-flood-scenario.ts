import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Measurement, Settings } from "./measurement.js";
import { DEMO_SERVER, DIST_DIR } from "./paths.js";
import { collect, DEMO_ENV, figures, type Scenario, startServer, warmUp } from "./scenarios.js";
import { withCpus } from "./server-process.js";
import { BENCH_PASSWORD } from "./sessions.js";
import { runWrk } from "./wrk.js";

/** Concurrent attackers, each from its own loopback address. */
export const FLOOD_CLIENTS = 100;
/** One legitimate login every this many ms. */
const LEGIT_INTERVAL_MS = 250;
/** The legitimate users' addresses: 127.250.0.1, 127.250.0.2, … (one per user, fixed). */
const LEGIT_BLOCK = 250;
/** The attackers' addresses: 127.<10 + round>.0.1, …: a new set each round (below LEGIT_BLOCK). */
const FIRST_ATTACK_BLOCK = 10;
const ATTACK_BLOCKS = 230;

export interface LoginFloodOptions {
  databaseUrl: string;
  /** Accounts the flood guesses at besides unknown ones (`user<i>@bench.example.com`, i < existing). */
  existing: number;
  /** The legitimate users (password BENCH_PASSWORD), never attacked. */
  legitEmails: string[];
}

/**
 * The demo with its rate limits on (the defaults), flooded with wrong-password logins by
 * {@link FLOOD_CLIENTS} clients from as many addresses, while wrk loads `/health` and the
 * legitimate users log in one at a time. `/health` is measured idle first, in the same process
 * and round. Four rows: health in the flood, health idle, the legitimate logins, the attackers.
 */
export function loginFloodScenario(options: LoginFloodOptions): Scenario {
  const name = "login-flood";
  return {
    name,
    async start(settings) {
      const env = { ...DEMO_ENV, TESSERA_RATE_LIMIT: "on", DATABASE_URL: options.databaseUrl };
      const server = await startServer(name, DEMO_SERVER, env, settings);
      const health = { url: `${server.url}/health`, cpus: settings.loadCpus };
      let pending = 0; // errors of the warm-up, reported with the first round
      let nextLegit = 0; // the legitimate user who logs in next
      let round = 0;
      const legit = async (seconds: number) => {
        const result = await legitLogins(server.url, seconds, nextLegit, options, settings);
        nextLegit = result.next;
        return result;
      };
      pending = await warmUp(server, async () => {
        const errors = (await runWrk({ ...health, seconds: settings.warmupSeconds })).errors;
        // One login, no flood: the set-up works, and the login path is warm.
        const check = await legit(0.001);
        if (check.successes !== 1) {
          console.warn(`  ${name}: a legitimate login answered ${JSON.stringify(check.statuses)}`);
        }
        return errors;
      });
      return {
        async measure() {
          const idle = await runWrk({ ...health, seconds: settings.seconds });
          const block = FIRST_ATTACK_BLOCK + (round++ % ATTACK_BLOCKS);
          // Niced: the attackers share the load CPU with wrk, which must still measure on time.
          const attackers = withCpus(settings.loadCpus, "nice", [
            "-n",
            "10",
            process.execPath,
            join(DIST_DIR, "login-flood-client.js"),
            server.url,
            String(settings.seconds + 0.5),
            String(block),
            String(FLOOD_CLIENTS),
            String(options.existing),
          ]);
          const output = collect(attackers);
          await Promise.race([started(attackers), output]);
          const [flooded, logins] = await Promise.all([
            runWrk({ ...health, seconds: settings.seconds }),
            legit(settings.seconds),
          ]);
          const attack = lastJson(await output) as ClientReport & { violations: number };
          const rss_mb = await server.peakRssMb();
          const idleErrors = idle.errors + pending;
          pending = 0;
          const rows: Measurement[] = [
            { name: `${name}/health`, ...figures(flooded), rss_mb, errors: flooded.errors },
            { name: `${name}/health-idle`, ...figures(idle), rss_mb, errors: idleErrors },
            {
              name: `${name}/legit-login`,
              rps: logins.attempts / logins.seconds,
              p50_ms: logins.p50_ms,
              p99_ms: logins.p99_ms,
              rss_mb,
              errors: logins.attempts - logins.successes,
              statuses: logins.statuses,
            },
            {
              name: `${name}/attackers`,
              rps: attack.requests / attack.seconds,
              p50_ms: attack.p50_ms,
              p99_ms: attack.p99_ms,
              rss_mb,
              errors: attack.violations,
              statuses: attack.statuses,
            },
          ];
          return rows;
        },
        stop: () => server.stop(),
      };
    },
  };
}

interface ClientReport {
  requests: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  statuses: Record<string, number>;
}

interface LegitReport extends Omit<ClientReport, "requests"> {
  attempts: number;
  successes: number;
  next: number;
}

/** Runs the legitimate users' client for `seconds`, starting with user `first`. */
async function legitLogins(
  base: string,
  seconds: number,
  first: number,
  options: LoginFloodOptions,
  settings: Settings,
): Promise<LegitReport> {
  const client = withCpus(
    settings.loadCpus,
    process.execPath,
    [
      join(DIST_DIR, "legit-login-client.js"),
      base,
      String(seconds),
      String(LEGIT_INTERVAL_MS),
      String(LEGIT_BLOCK),
      String(first),
      ...options.legitEmails,
    ],
    { ...process.env, BENCH_PASSWORD },
  );
  return lastJson(await collect(client)) as LegitReport;
}

/** Resolves once the attackers say the flood is under way. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    const listener = (chunk: Buffer) => {
      seen += chunk;
      if (seen.includes("started\n")) {
        child.stdout?.off("data", listener);
        resolve();
      }
    };
    child.stdout?.on("data", listener);
  });
}

function lastJson(stdout: string): unknown {
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}
