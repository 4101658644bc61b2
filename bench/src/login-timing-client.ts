/**
 * The login-timing client, run as its own process: `pairs` pairs of logins,
 * one at a time over one keep-alive connection, alternating a login for an
 * unknown email (`user<i>@absent.example.com`) with a login for an existing
 * account (`user<i>@bench.example.com`, i < `existing`) and a wrong password;
 * both kinds have emails of the same shape and random passwords of the same
 * length. Prints one JSON line: for each kind, the count, the latency
 * percentiles, the answers by status, and the errors (answers other than 400
 * `LOGIN_BAD_CREDENTIALS`, and socket errors).
 *
 * Usage: node login-timing-client.js <base-url> <pairs> <existing>
 */
import { randomBytes, randomInt } from "node:crypto";
import { agentFrom, postLogin } from "./login-request.js";
import { percentile } from "./stats.js";

const [base, pairsText, existingText] = process.argv.slice(2);
if (!base || !pairsText || !existingText) {
  throw new Error("usage: login-timing-client <base-url> <pairs> <existing>");
}
const url = new URL(base);
const existing = Number(existingText);
const agent = agentFrom("127.0.0.1");

interface Kind {
  domain: string;
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
}
const unknown: Kind = { domain: "absent.example.com", latencies: [], statuses: {}, errors: 0 };
const known: Kind = { domain: "bench.example.com", latencies: [], statuses: {}, errors: 0 };

async function attempt(kind: Kind): Promise<void> {
  const email = `user${randomInt(existing)}@${kind.domain}`;
  const started = performance.now();
  try {
    const answer = await postLogin(agent, url, email, randomBytes(12).toString("base64url"));
    kind.latencies.push(performance.now() - started);
    kind.statuses[answer.status] = (kind.statuses[answer.status] ?? 0) + 1;
    if (answer.status !== 400 || answer.detail !== "LOGIN_BAD_CREDENTIALS") kind.errors++;
  } catch {
    kind.statuses.socket = (kind.statuses.socket ?? 0) + 1;
    kind.errors++;
  }
}

const started = performance.now();
for (let pair = 0; pair < Number(pairsText); pair++) {
  await attempt(unknown);
  await attempt(known);
}
const seconds = (performance.now() - started) / 1000;
agent.destroy();

const report = ({ latencies, statuses, errors }: Kind) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    statuses,
    errors,
  };
};
console.log(JSON.stringify({ seconds, unknown: report(unknown), known: report(known) }));
