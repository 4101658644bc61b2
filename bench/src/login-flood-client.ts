/**
 * The login flood's attackers, run as their own process: `clients` concurrent
 * clients, each from its own loopback address (127.`block`.0.1, .0.2, …), send
 * wrong-password logins over and over for `seconds`, half for unknown emails
 * (new each time), half for the `existing` filled accounts
 * (`user<i>@bench.example.com`). Prints `started` once the flood is under way,
 * then one JSON line: the count, the latency percentiles, the answers by status,
 * and the violations: answers other than 400 `LOGIN_BAD_CREDENTIALS` (a wrong
 * password refused), or 429 and 503 with `Retry-After`; socket errors count as
 * violations too.
 *
 * Usage: node login-flood-client.js <base-url> <seconds> <block> <clients> <existing>
 */
import { randomBytes, randomInt } from "node:crypto";
import { agentFrom, type LoginAnswer, loopbackAddress, postLogin } from "./login-request.js";
import { percentile } from "./stats.js";

const [base, secondsText, blockText, clientsText, existingText] = process.argv.slice(2);
if (!base || !secondsText || !blockText || !clientsText || !existingText) {
  throw new Error("usage: login-flood-client <base-url> <seconds> <block> <clients> <existing>");
}
const url = new URL(base);
const existing = Number(existingText);
const deadline = performance.now() + Number(secondsText) * 1000;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let violations = 0;

function verdict(answer: LoginAnswer): boolean {
  const { status, retryAfter, detail } = answer;
  if (status === 400) return detail === "LOGIN_BAD_CREDENTIALS";
  if (status === 429 || status === 503) return retryAfter !== null && Number(retryAfter) > 0;
  return false;
}

async function attacker(index: number): Promise<void> {
  const agent = agentFrom(loopbackAddress(Number(blockText), index));
  let attempt = 0;
  while (performance.now() < deadline) {
    const email =
      attempt++ % 2 === 0
        ? `nobody-${randomBytes(6).toString("hex")}@flood.example.com`
        : `user${randomInt(existing)}@bench.example.com`;
    const started = performance.now();
    try {
      const answer = await postLogin(agent, url, email, randomBytes(9).toString("base64url"));
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (!verdict(answer)) violations++;
    } catch {
      statuses.socket = (statuses.socket ?? 0) + 1;
      violations++;
    }
    latencies.push(performance.now() - started);
  }
  agent.destroy();
}

const started = performance.now();
const flood = Promise.all(Array.from({ length: Number(clientsText) }, (_, i) => attacker(i)));
process.stdout.write("started\n");
await flood;
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    requests: latencies.length,
    seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    statuses,
    violations,
  }),
);
