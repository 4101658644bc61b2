/**
 * The login flood's legitimate users, run as their own process: one login with
 * the right password every `interval` ms, one at a time, for `seconds`. Each
 * attempt is the next user of the list, from that user's own loopback address
 * (127.`block`.0.<index + 1>), starting at `first`: each user logs in about once
 * a round, as a person would, so no legitimate login is ever over the
 * per-address or per-account limits. Prints one JSON line: attempts, successes,
 * the latency percentiles of every attempt (the time to an answer, whatever it
 * was), the answers by status, and the index to start from next time.
 *
 * Usage: node legit-login-client.js <base-url> <seconds> <interval-ms> <block> <first> <email>…
 */
import type { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { agentFrom, loopbackAddress, postLogin } from "./login-request.js";
import { percentile } from "./stats.js";

const [base, secondsText, intervalText, blockText, firstText, ...emails] = process.argv.slice(2);
if (!base || !secondsText || !intervalText || !blockText || !firstText || emails.length === 0) {
  throw new Error(
    "usage: legit-login-client <base-url> <seconds> <interval-ms> <block> <first> <email>...",
  );
}
const url = new URL(base);
const password = process.env.BENCH_PASSWORD ?? "";
const interval = Number(intervalText);
const agents = new Map<number, Agent>();
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let successes = 0;
let index = Number(firstText) % emails.length;

const started = performance.now();
const deadline = started + Number(secondsText) * 1000;
for (let next = started; next < deadline; next += interval) {
  // One at a time: an attempt slower than the interval delays the next one.
  const wait = next - performance.now();
  if (wait > 0) await sleep(wait);
  let agent = agents.get(index);
  if (!agent) {
    agent = agentFrom(loopbackAddress(Number(blockText), index));
    agents.set(index, agent);
  }
  const attemptStarted = performance.now();
  try {
    const answer = await postLogin(agent, url, emails[index] as string, password);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status === 200) successes++;
  } catch {
    statuses.socket = (statuses.socket ?? 0) + 1;
  }
  latencies.push(performance.now() - attemptStarted);
  index = (index + 1) % emails.length;
  next = Math.max(next, performance.now() - interval);
}
for (const agent of agents.values()) agent.destroy();

latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    attempts: latencies.length,
    successes,
    seconds: (performance.now() - started) / 1000,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    statuses,
    next: index,
  }),
);
