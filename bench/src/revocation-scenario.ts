import { performance } from "node:perf_hooks";
import type { Measurement } from "./measurement.js";
import { DEMO_SERVER } from "./paths.js";
import { type Scenario, startServer } from "./scenarios.js";
import type { ServerProcess } from "./server-process.js";
import { BENCH_PASSWORD, registerTessera } from "./sessions.js";
import { percentile } from "./stats.js";

/** Logouts per round (each: a login on A, two uses on B, the logout on A, B asked until it refuses). */
const ROUNDS = { quick: 20, full: 100 };
/** A round whose token B still accepts this long after the logout counts as an error. */
const GIVE_UP_MS = 2_000;

export interface RevocationScenarioOptions {
  name: string;
  /** The demo's environment, the session cache on (`TESSERA_CACHE=1`). */
  env: Record<string, string>;
  email: string;
}

/**
 * Two demo instances with the session cache on, sharing one database: a user
 * logs in on A, uses the token on B (B caches it), logs out on A; B is then
 * asked back to back until it refuses. The row's p50 and p99 are how long
 * after A answered the logout B first refused; rps is logouts per second.
 */
export function revocationScenario(options: RevocationScenarioOptions): Scenario {
  const { name, env, email } = options;
  return {
    name,
    async start(settings) {
      const a = await startServer(`${name}-a`, DEMO_SERVER, env, settings);
      const b = await startServer(`${name}-b`, DEMO_SERVER, env, {
        ...settings,
        serverCpus: settings.loadCpus,
      }).catch(async (error) => {
        await a.stop();
        throw error;
      });
      try {
        await registerTessera(a.url, email);
        await Promise.all([cacheUp(a), cacheUp(b)]);
        await rounds(a, b, email, 5);
      } catch (error) {
        await Promise.all([a.stop(), b.stop()]);
        throw error;
      }
      return {
        async measure(): Promise<Measurement[]> {
          const count = settings.quick ? ROUNDS.quick : ROUNDS.full;
          const started = performance.now();
          const { latencies, errors } = await rounds(a, b, email, count);
          const seconds = (performance.now() - started) / 1000;
          const sorted = [...latencies].sort((x, y) => x - y);
          return [
            {
              name,
              rps: count / seconds,
              p50_ms: percentile(sorted, 50),
              p99_ms: percentile(sorted, 99),
              rss_mb: await b.peakRssMb(),
              errors,
            },
          ];
        },
        async stop() {
          await Promise.all([a.stop(), b.stop()]);
        },
      };
    },
  };
}

async function cacheUp(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      cache?: { state: string };
    };
    // Idle (no lookup yet) is a channel that delivers too: the first lookups wake it.
    if (health.cache?.state === "up" || health.cache?.state === "idle") return;
    if (Date.now() > deadline) {
      throw new Error(`the session cache of ${server.url} is not up: ${JSON.stringify(health)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rounds(a: ServerProcess, b: ServerProcess, email: string, count: number) {
  const latencies: number[] = [];
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const login = await fetch(`${a.url}/auth/login`, {
      method: "POST",
      body: new URLSearchParams({ username: email, password: BENCH_PASSWORD }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}` };
    const me = async () => {
      const response = await fetch(`${b.url}/users/me`, { headers });
      await response.arrayBuffer();
      return response.status;
    };
    if ((await me()) !== 200 || (await me()) !== 200) {
      errors++;
      continue;
    }
    const logout = await fetch(`${a.url}/auth/logout`, { method: "POST", headers });
    await logout.arrayBuffer();
    const answeredAt = performance.now();
    for (;;) {
      const sentAt = performance.now();
      const status = await me();
      if (status === 401) {
        latencies.push(sentAt - answeredAt);
        break;
      }
      if (status !== 200 || sentAt - answeredAt > GIVE_UP_MS) {
        errors++;
        break;
      }
    }
  }
  return { latencies, errors };
}
