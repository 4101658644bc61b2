import type { ScenarioResult } from "./measurement.js";

/** A ratio the issue sets a target for (or that is printed for information). */
export interface Ratio {
  name: string;
  value: number | null;
  /** e.g. ">= 0.90"; null when only informative. */
  target: string | null;
  met: boolean | null;
  /** How it was computed, or why it could not be. */
  note: string;
}

type Bound = { at: "least" | "most"; limit: number } | null;

/** The ratios that matter, from one run's results. */
export function computeRatios(results: ScenarioResult[]): Ratio[] {
  const row = (name: string) =>
    results.find((result) => result.name === name && !result.skipped && !result.failed);
  const rps = (name: string) => row(name)?.rps ?? null;
  // Requests per CPU second of the server's event loop: the same ratio, nearly immune to a busy machine.
  const perCpu = (name: string) => {
    const cpu = row(name)?.cpu_us;
    return cpu ? 1e6 / cpu : null;
  };
  const ratio = (name: string, bound: Bound, a: number | null, b: number | null, note: string) =>
    make(name, bound, a !== null && b !== null && b > 0 ? a / b : null, note);

  const storm = row("login-storm/health");
  const idle = row("login-storm/health-idle");
  const stormErrors = ["login-storm/health-idle", "login-storm/health", "login-storm/logins"]
    .map((name) => row(name)?.errors ?? 0)
    .reduce((sum, value) => sum + value, 0);
  const demoRows = results.filter(
    (result) =>
      !result.skipped &&
      !result.failed &&
      (result.name === "health" ||
        result.name.startsWith("me-") ||
        result.name.startsWith("login-storm")),
  );
  const peakRss = demoRows.length ? Math.max(...demoRows.map((result) => result.rss_mb)) : null;

  return [
    ratio(
      "me-sqlite / ceiling-sqlite",
      { at: "least", limit: 0.9 },
      rps("me-sqlite"),
      rps("ceiling-sqlite"),
      "req/s",
    ),
    ratio(
      "me-sqlite / ceiling-sqlite, by CPU",
      null,
      perCpu("me-sqlite"),
      perCpu("ceiling-sqlite"),
      "ceiling's server CPU µs/req over me-sqlite's",
    ),
    ratio(
      "me-sqlite / ceiling-sqlite-routed",
      null,
      rps("me-sqlite"),
      rps("ceiling-sqlite-routed"),
      "req/s; both behind the demo's route table",
    ),
    ratio(
      "me-sqlite / health",
      { at: "least", limit: 0.75 },
      rps("me-sqlite"),
      rps("health"),
      "req/s",
    ),
    ratio(
      "me-sqlite / health, by CPU",
      null,
      perCpu("me-sqlite"),
      perCpu("health"),
      "health's server CPU µs/req over me-sqlite's",
    ),
    ratio("me-cookie-sqlite / health", null, rps("me-cookie-sqlite"), rps("health"), "req/s"),
    ratio(
      "me-postgres / health",
      { at: "least", limit: 0.6 },
      rps("me-postgres"),
      rps("health"),
      "req/s",
    ),
    ratio("me-mysql / health", null, rps("me-mysql"), rps("health"), "req/s"),
    ratio(
      "tessera / better-auth",
      { at: "least", limit: 10 },
      rps("me-sqlite"),
      rps("peer-better-auth"),
      "me-sqlite req/s over peer-better-auth req/s",
    ),
    ratio(
      "login-storm health p99 / idle p99",
      { at: "most", limit: 5 },
      storm?.p99_ms ?? null,
      idle?.p99_ms ?? null,
      `same server, /health p99 during 32 concurrent logins over idle; ${stormErrors} errors in the storm`,
    ),
    make(
      "login-storm errors",
      { at: "most", limit: 0 },
      storm ? stormErrors : null,
      "non-2xx and socket errors, logins and /health",
    ),
    ratio(
      "scale 10^6 / 10^3",
      { at: "most", limit: 1.3 },
      rps("scale-1e3"),
      rps("scale-1e6"),
      "time per token lookup at 10^6 rows over 10^3",
    ),
    make(
      "peak RSS of the demo (MB)",
      { at: "most", limit: 150 },
      peakRss,
      "max VmHWM over health, me-* and login-storm",
    ),
  ];
}

function make(name: string, bound: Bound, value: number | null, note: string): Ratio {
  const target = bound ? `${bound.at === "least" ? ">=" : "<="} ${bound.limit}` : null;
  const met =
    bound && value !== null
      ? bound.at === "least"
        ? value >= bound.limit
        : value <= bound.limit
      : null;
  return { name, value, target, met, note: value === null ? "not measured in this run" : note };
}
