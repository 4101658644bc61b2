import { join } from "node:path";
import type { Measurement, Settings } from "./measurement.js";
import { DEMO_SERVER, DIST_DIR } from "./paths.js";
import { collect, type Scenario, startServer, warmUp } from "./scenarios.js";
import { withCpus } from "./server-process.js";

/** Pairs of logins (one unknown email, one wrong password) per round. */
const PAIRS = 200;
/** Pairs before the first round, unmeasured: the dummy hash made, the login path warm. */
const WARMUP_PAIRS = { quick: 20, full: 50 };

export interface LoginTimingOptions {
  /** The demo's environment (rate limits off), on a database of filled accounts. */
  env: Record<string, string>;
  /** The filled accounts (`user<i>@bench.example.com`, i < existing), all of one password. */
  existing: number;
}

interface KindReport {
  requests: number;
  p50_ms: number;
  p99_ms: number;
  statuses: Record<string, number>;
  errors: number;
}

/**
 * Whether a login's timing tells an unknown email from a known one: the demo (rate limits
 * off), and a client that alternates, one at a time, a login for an unknown email with a login
 * for an existing account and a wrong password, {@link PAIRS} pairs per round. Two rows, one
 * per kind; their p50s make the ratio.
 */
export function loginTimingScenario(options: LoginTimingOptions): Scenario {
  const name = "login-timing";
  return {
    name,
    async start(settings) {
      const server = await startServer(name, DEMO_SERVER, options.env, settings);
      const run = (pairs: number) => runClient(server.url, pairs, options.existing, settings);
      // Errors of the warm-up, reported with the first round.
      let pending = await warmUp(server, async () => {
        const warm = await run(settings.quick ? WARMUP_PAIRS.quick : WARMUP_PAIRS.full);
        if (warm.unknown.errors + warm.known.errors > 0) {
          const answers = JSON.stringify({
            unknown: warm.unknown.statuses,
            known: warm.known.statuses,
          });
          console.warn(`  ${name}: logins answered ${answers}`);
        }
        return { unknown: warm.unknown.errors, known: warm.known.errors };
      });
      return {
        async measure() {
          const result = await run(PAIRS);
          const rss_mb = await server.peakRssMb();
          const row = (kind: string, report: KindReport, warmErrors: number): Measurement => ({
            name: `${name}/${kind}`,
            rps: report.requests / result.seconds,
            p50_ms: report.p50_ms,
            p99_ms: report.p99_ms,
            rss_mb,
            errors: report.errors + warmErrors,
            statuses: report.statuses,
          });
          const rows = [
            row("unknown-email", result.unknown, pending.unknown),
            row("wrong-password", result.known, pending.known),
          ];
          pending = { unknown: 0, known: 0 };
          return rows;
        },
        stop: () => server.stop(),
      };
    },
  };
}

async function runClient(
  base: string,
  pairs: number,
  existing: number,
  settings: Settings,
): Promise<{ seconds: number; unknown: KindReport; known: KindReport }> {
  const client = withCpus(settings.loadCpus, process.execPath, [
    join(DIST_DIR, "login-timing-client.js"),
    base,
    String(pairs),
    String(existing),
  ]);
  return JSON.parse(await collect(client));
}
