import type { Machine } from "./machine.js";
import type { ScenarioResult, Settings } from "./measurement.js";
import type { Ratio } from "./ratios.js";

/** The scenarios as a Markdown table; skipped ones say why. */
export function resultsTable(results: ScenarioResult[]): string {
  const lines = [
    "| scenario | req/s | p50 ms | p99 ms | peak RSS MB | errors | server CPU µs/req |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of results) {
    if (row.skipped || row.failed) {
      const why = row.failed ? `**failed**: ${row.failed}` : `skipped: ${row.skipped}`;
      lines.push(`| ${row.name} | ${why} | | | | | |`);
      continue;
    }
    lines.push(
      `| ${row.name} | ${Math.round(row.rps).toLocaleString("en-US")} | ${ms(row.p50_ms)} | ${ms(row.p99_ms)} | ${fixed(row.rss_mb, 1)} | ${row.errors} | ${row.cpu_us === undefined ? "" : fixed(row.cpu_us, 1)} |`,
    );
  }
  return lines.join("\n");
}

/**
 * The answers of the clients that count them by status (login-flood, login-timing), added up
 * over all rounds, as a Markdown list; empty when no such scenario ran.
 */
export function answersText(results: ScenarioResult[]): string {
  const lines = results.flatMap((row) => {
    if (!row.statuses) return [];
    const entries = Object.entries(row.statuses).sort(([a], [b]) => a.localeCompare(b));
    const total = entries.reduce((sum, [, count]) => sum + count, 0);
    const counts = entries.map(([status, count]) => `${status} × ${count.toLocaleString("en-US")}`);
    const verdict = row.name.endsWith("/attackers")
      ? `${row.errors} violations (not 400 LOGIN_BAD_CREDENTIALS, 429 or 503 with Retry-After)`
      : row.name.startsWith("login-timing/")
        ? `${row.errors} not 400 LOGIN_BAD_CREDENTIALS`
        : `${(total - row.errors).toLocaleString("en-US")} of ${total.toLocaleString("en-US")} logged in`;
    return [`- ${row.name}: ${counts.join(", ")}; ${verdict}`];
  });
  return lines.length === 0 ? "" : `\nAnswers by status, all rounds:\n\n${lines.join("\n")}\n`;
}

/** The ratios as a Markdown table, each against its target. */
export function ratiosTable(ratios: Ratio[]): string {
  const lines = ["| ratio | measured | target | met | how |", "| --- | ---: | --- | --- | --- |"];
  for (const ratio of ratios) {
    const met = ratio.met === null ? "" : ratio.met ? "yes" : `**no** (${shortfall(ratio)})`;
    lines.push(
      `| ${ratio.name} | ${ratio.value === null ? "–" : fixed(ratio.value, 2)} | ${ratio.target ?? "–"} | ${met} | ${ratio.note} |`,
    );
  }
  return lines.join("\n");
}

/** The ratios as terminal lines. */
export function ratiosText(ratios: Ratio[]): string {
  return ratios
    .map((ratio) => {
      const value = ratio.value === null ? "–" : fixed(ratio.value, 2);
      const verdict =
        ratio.met === null ? "" : ratio.met ? "  ok" : `  MISSED (${shortfall(ratio)})`;
      return `  ${ratio.name.padEnd(36)} ${value.padStart(8)}  ${(ratio.target ?? "").padEnd(10)}${verdict}`;
    })
    .join("\n");
}

/** `bench/RESULTS.md`: the latest full run with everything needed to read it. */
export function resultsMarkdown(
  machine: Machine,
  settings: Settings,
  results: ScenarioResult[],
  ratios: Ratio[],
): string {
  const versions = Object.entries(machine.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  return `# Benchmark results

The latest full run of \`npm run bench\` (written by the bench itself; \`npm run bench -- --quick\`
writes \`results/quick.*\` and leaves this file alone). What each scenario does and how it is
measured: [README.md](README.md).

![req/s per scenario](results/latest.svg)

## Machine

| | |
| --- | --- |
| date | ${machine.date} |
| CPU | ${machine.cpu}, ${machine.cores} cores |
| RAM | ${machine.ram_gb} GB |
| OS | ${machine.os} |
| Node | ${machine.node} |
| commit | ${machine.commit} |
| versions | ${versions} |
| load average before / after | ${machine.loadavg_before.join(" ")} / ${machine.loadavg_after?.join(" ") ?? "–"} |
| method | ${describeSettings(settings)} |

## Scenarios

${resultsTable(results)}
${answersText(results)}
## Ratios

${ratiosTable(ratios)}
`;
}

export function describeSettings(settings: Settings): string {
  const pinning =
    settings.serverCpus === null
      ? "no CPU pinning"
      : `server on CPU ${settings.serverCpus}, load generators on CPU ${settings.loadCpus}`;
  return `each server started once and warmed up ${settings.warmupSeconds} s, then ${settings.rounds} round(s) of ${settings.seconds} s per scenario (after ${settings.rewarmSeconds} s unmeasured), interleaved; wrk 1 thread, 32 connections; rows: the median round by req/s; ratios: median of per-round ratios; ${pinning}`;
}

function shortfall(ratio: Ratio): string {
  if (ratio.value === null || ratio.target === null) return "";
  const range = /^(\S+) to (\S+)$/.exec(ratio.target);
  const limit = range
    ? Number(ratio.value < Number(range[1]) ? range[1] : range[2])
    : Number(ratio.target.split(" ")[1]);
  if (limit === 0) return `${ratio.value} over`;
  const percent = Math.abs((ratio.value / limit - 1) * 100);
  return `${percent.toFixed(0)}% ${ratio.value < limit ? "short" : "over"}`;
}

/** Milliseconds with the digits that matter: 0.013 for an in-process lookup, 3.21 for a request. */
function ms(value: number): string {
  return fixed(value, value < 0.1 ? 3 : 2);
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}
