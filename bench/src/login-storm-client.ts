/**
 * The login storm, run as its own process: `concurrency` clients log in over
 * and over (each as its own user) for `seconds`, then print one JSON line with
 * the count, the latency percentiles and every answer that was not 2xx.
 *
 * Usage: node login-storm-client.js <base-url> <seconds> <email>…
 */
import { percentile } from "./stats.js";

const [base, secondsText, ...emails] = process.argv.slice(2);
if (!base || !secondsText || emails.length === 0) {
  throw new Error("usage: login-storm-client <base-url> <seconds> <email>...");
}
const password = process.env.BENCH_PASSWORD ?? "";
const deadline = performance.now() + Number(secondsText) * 1000;
const latencies: number[] = [];
let errors = 0;

async function client(email: string): Promise<void> {
  const body = new URLSearchParams({ username: email, password }).toString();
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(`${base}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - started);
  }
}

const started = performance.now();
await Promise.all(emails.map(client));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    requests: latencies.length,
    seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    errors,
  }),
);
