import type { Measurement } from "./measurement.js";
import { middle } from "./stats.js";

/** A ratio the issue sets a target for (or that is printed for information). */
export interface Ratio {
  name: string;
  value: number | null;
  /** e.g. ">= 0.9"; null when only informative. */
  target: string | null;
  met: boolean | null;
  /** How it was computed, or why it could not be. */
  note: string;
}

type Bound =
  | { at: "least" | "most"; limit: number }
  | { at: "within"; low: number; high: number }
  | null;

/** One round's rows by name. */
type Round = (name: string) => Measurement | undefined;

interface RatioSpec {
  name: string;
  bound: Bound;
  /** How the per-round values make the run's value. @default "median" */
  combine?: "median" | "max" | "sum";
  note: string;
  value(round: Round): number | null;
}

const rps = (round: Round, name: string) => round(name)?.rps ?? null;
// Requests per CPU second of the server's event loop: the same ratio, nearly immune to a busy machine.
const perCpu = (round: Round, name: string) => {
  const cpu = round(name)?.cpu_us;
  return cpu ? 1e6 / cpu : null;
};
const over = (a: number | null, b: number | null) =>
  a !== null && b !== null && b > 0 ? a / b : null;
const STORM = ["login-storm/health-idle", "login-storm/health", "login-storm/logins"];
const FLOOD = "login-flood";
const TIMING = ["login-timing/unknown-email", "login-timing/wrong-password"];
/**
 * The demo in its default shapes (any SQL engine, adapter, cache); `me-redis` is left
 * out: it carries a Redis client, and its own peak is in its row.
 */
const DEMO = [
  ...STORM,
  ...TIMING,
  "health",
  "me-sqlite",
  "me-sqlite-idle",
  "me-drizzle-sqlite",
  "me-cookie-sqlite",
  "me-postgres",
  "me-mysql",
  "me-postgres-cached",
  "me-mysql-cached",
];

/** `me-<framework>` over `ceiling-<framework>`, by req/s (with a target) and by CPU (informative). */
function frameworkRatios(framework: string, limit: number): RatioSpec[] {
  const me = `me-${framework}`;
  const ceiling = `ceiling-${framework}`;
  return [
    {
      name: `${me} / ${ceiling}`,
      bound: { at: "least", limit },
      note: "req/s",
      value: (r) => over(rps(r, me), rps(r, ceiling)),
    },
    {
      name: `${me} / ${ceiling}, by CPU`,
      bound: null,
      note: `ceiling's server CPU µs/req over ${me}'s`,
      value: (r) => over(perCpu(r, me), perCpu(r, ceiling)),
    },
  ];
}

/** The purge of 10^6 expired sessions on one engine: `/users/me` p99 during it over idle, and its time. */
function purgeRatios(engine: string): RatioSpec[] {
  const name = `purge-${engine}`;
  return [
    {
      name: `${name}: /users/me p99 during / idle`,
      bound: { at: "most", limit: 3 },
      note: "p99 of /users/me in the worst second of the purge over idle, same server and round",
      value: (r) =>
        over(r(`${name}/me-during`)?.p99_ms ?? null, r(`${name}/me-idle`)?.p99_ms ?? null),
    },
    {
      name: `${name}: 10^6 expired sessions purged in (s)`,
      bound: null,
      note: "batches of 1,000 rows, while /users/me is loaded",
      value: (r) => {
        const ms = r(`${name}/purge`)?.p50_ms;
        return ms === undefined ? null : ms / 1000;
      },
    },
  ];
}

/** The session cache on one engine: cached `/users/me` over `/health`, and revocation across two instances. */
function cacheRatios(engine: string, channel: string, p99Limit: number | null): RatioSpec[] {
  const cached = `me-${engine}-cached`;
  return [
    {
      name: `${cached} / health`,
      bound: { at: "least", limit: 0.6 },
      note: `req/s; TESSERA_CACHE=1, invalidations through ${channel}`,
      value: (r) => over(rps(r, cached), rps(r, "health")),
    },
    {
      name: `${cached} / me-${engine}`,
      bound: null,
      note: "req/s: what the cache saves",
      value: (r) => over(rps(r, cached), rps(r, `me-${engine}`)),
    },
    {
      name: `revocation-${engine}: refused on the other instance, p99 (ms)`,
      bound: p99Limit === null ? null : { at: "most", limit: p99Limit },
      combine: "max",
      note: "after a logout on A, how soon B (which cached the token) refuses it; worst round",
      value: (r) => r(`revocation-${engine}`)?.p99_ms ?? null,
    },
  ];
}

const SPECS: RatioSpec[] = [
  {
    name: "me-sqlite / ceiling-sqlite",
    bound: { at: "least", limit: 0.9 },
    note: "req/s",
    value: (r) => over(rps(r, "me-sqlite"), rps(r, "ceiling-sqlite")),
  },
  {
    name: "me-sqlite / ceiling-sqlite, by CPU",
    bound: null,
    note: "ceiling's server CPU µs/req over me-sqlite's",
    value: (r) => over(perCpu(r, "me-sqlite"), perCpu(r, "ceiling-sqlite")),
  },
  ...frameworkRatios("express", 0.85),
  ...frameworkRatios("fastify", 0.85),
  {
    name: "me-drizzle-sqlite / me-sqlite",
    bound: null,
    note: "req/s; the Drizzle adapter against the Kysely one, same file, same request",
    value: (r) => over(rps(r, "me-drizzle-sqlite"), rps(r, "me-sqlite")),
  },
  {
    name: "me-drizzle-sqlite / ceiling-sqlite",
    bound: null,
    note: "req/s",
    value: (r) => over(rps(r, "me-drizzle-sqlite"), rps(r, "ceiling-sqlite")),
  },
  {
    name: "me-redis / me-sqlite",
    bound: null,
    note: "req/s; TESSERA_STRATEGY=redis: the session in Redis, then the user in SQLite",
    value: (r) => over(rps(r, "me-redis"), rps(r, "me-sqlite")),
  },
  {
    name: "me-sqlite / ceiling-sqlite-routed",
    bound: null,
    note: "req/s; both behind the demo's route table: what tessera adds beyond routing",
    value: (r) => over(rps(r, "me-sqlite"), rps(r, "ceiling-sqlite-routed")),
  },
  {
    name: "me-sqlite / health",
    bound: { at: "least", limit: 0.75 },
    note: "req/s",
    value: (r) => over(rps(r, "me-sqlite"), rps(r, "health")),
  },
  {
    name: "ceiling-sqlite / health",
    bound: null,
    note: "req/s; the most any authenticated request reaches on this stack, so the bound on me-sqlite / health",
    value: (r) => over(rps(r, "ceiling-sqlite"), rps(r, "health")),
  },
  {
    name: "me-sqlite / health, by CPU",
    bound: null,
    note: "health's server CPU µs/req over me-sqlite's",
    value: (r) => over(perCpu(r, "me-sqlite"), perCpu(r, "health")),
  },
  {
    name: "me-cookie-sqlite / health",
    bound: null,
    note: "req/s",
    value: (r) => over(rps(r, "me-cookie-sqlite"), rps(r, "health")),
  },
  {
    name: "me-postgres / health",
    bound: { at: "least", limit: 0.6 },
    note: "req/s",
    value: (r) => over(rps(r, "me-postgres"), rps(r, "health")),
  },
  {
    name: "me-mysql / health",
    bound: null,
    note: "req/s",
    value: (r) => over(rps(r, "me-mysql"), rps(r, "health")),
  },
  ...cacheRatios("postgres", "LISTEN/NOTIFY", 50),
  ...cacheRatios("mysql", "the polled revocation log", null),
  {
    name: "tessera / better-auth",
    bound: { at: "least", limit: 10 },
    note: "me-sqlite req/s over peer-better-auth req/s",
    value: (r) => over(rps(r, "me-sqlite"), rps(r, "peer-better-auth")),
  },
  {
    name: "me-sqlite-idle / ceiling-sqlite",
    bound: { at: "least", limit: 0.85 },
    note: "req/s, with an idle timeout of 30 minutes (last use written at most once a minute)",
    value: (r) => over(rps(r, "me-sqlite-idle"), rps(r, "ceiling-sqlite")),
  },
  ...purgeRatios("sqlite"),
  ...purgeRatios("postgres"),
  ...purgeRatios("mysql"),
  {
    name: "login-storm health p99 / idle p99",
    bound: { at: "most", limit: 5 },
    note: "/health p99 during 32 concurrent logins over idle, same server and round",
    value: (r) =>
      over(r("login-storm/health")?.p99_ms ?? null, r("login-storm/health-idle")?.p99_ms ?? null),
  },
  {
    name: "login-storm errors",
    bound: { at: "most", limit: 0 },
    combine: "sum",
    note: "non-2xx and socket errors of logins and /health, all rounds",
    value: (r) =>
      r(STORM[1] as string) ? STORM.reduce((sum, name) => sum + (r(name)?.errors ?? 0), 0) : null,
  },
  {
    name: "login-flood health p99 / idle p99",
    bound: { at: "most", limit: 5 },
    note: "/health p99 during the flood (100 clients, 100 addresses, limits on) over idle, same server and round",
    value: (r) =>
      over(r(`${FLOOD}/health`)?.p99_ms ?? null, r(`${FLOOD}/health-idle`)?.p99_ms ?? null),
  },
  {
    name: "login-flood legit login p99 (ms)",
    bound: { at: "most", limit: 1000 },
    combine: "max",
    note: "p99 of the legitimate logins during the flood (one every 250 ms, any answer), worst round",
    value: (r) => r(`${FLOOD}/legit-login`)?.p99_ms ?? null,
  },
  {
    name: "login-flood legit success rate",
    bound: null,
    note: "share of the legitimate logins answered 200 during the flood, median round",
    value: (r) => {
      const row = r(`${FLOOD}/legit-login`);
      const attempts = Object.values(row?.statuses ?? {}).reduce((sum, n) => sum + n, 0);
      return row && attempts > 0 ? (attempts - row.errors) / attempts : null;
    },
  },
  {
    name: "login-flood attacker violations",
    bound: { at: "most", limit: 0 },
    combine: "sum",
    note: "attackers' answers other than 400 LOGIN_BAD_CREDENTIALS, or 429 / 503 with Retry-After, all rounds",
    value: (r) => r(`${FLOOD}/attackers`)?.errors ?? null,
  },
  {
    name: "login-timing unknown / known p50",
    bound: { at: "within", low: 0.9, high: 1.1 },
    note: "p50 of logins for unknown emails over p50 of wrong-password logins for existing accounts, interleaved one at a time, same server and round",
    value: (r) =>
      over(r(TIMING[0] as string)?.p50_ms ?? null, r(TIMING[1] as string)?.p50_ms ?? null),
  },
  {
    name: "scale 10^6 / 10^3",
    bound: { at: "most", limit: 1.3 },
    note: "time per token lookup at 10^6 rows over 10^3",
    value: (r) => over(rps(r, "scale-1e3"), rps(r, "scale-1e6")),
  },
  {
    name: "peak RSS of the demo (MB)",
    bound: { at: "most", limit: 150 },
    combine: "max",
    note: "highest VmHWM of the demo over health, its me-* scenarios (me-redis's is in its row), login-storm and login-timing",
    value: (r) => {
      const peaks = DEMO.flatMap((name) => r(name)?.rss_mb ?? []);
      return peaks.length > 0 ? Math.max(...peaks) : null;
    },
  },
];

/**
 * The ratios that matter. Each is taken within a round, between scenarios measured minutes
 * apart on the same machine, and the run's value is the median over rounds (peaks: the
 * highest; error counts: the sum), so drift on a shared machine does not pair a fast round
 * of one scenario with a slow round of another.
 */
export function computeRatios(rounds: Measurement[][]): Ratio[] {
  return SPECS.map((spec) => {
    const values = rounds.flatMap((rows) => {
      const value = spec.value((name) => rows.find((row) => row.name === name));
      return value === null ? [] : [value];
    });
    const combined =
      values.length === 0
        ? null
        : spec.combine === "max"
          ? Math.max(...values)
          : spec.combine === "sum"
            ? values.reduce((sum, value) => sum + value, 0)
            : middle(values);
    return make(spec.name, spec.bound, combined, spec.note);
  });
}

function make(name: string, bound: Bound, value: number | null, note: string): Ratio {
  const target = bound ? targetText(bound) : null;
  const met = bound && value !== null ? meets(bound, value) : null;
  return { name, value, target, met, note: value === null ? "not measured in this run" : note };
}

function targetText(bound: NonNullable<Bound>): string {
  if (bound.at === "within") return `${bound.low} to ${bound.high}`;
  return `${bound.at === "least" ? ">=" : "<="} ${bound.limit}`;
}

function meets(bound: NonNullable<Bound>, value: number): boolean {
  if (bound.at === "within") return value >= bound.low && value <= bound.high;
  return bound.at === "least" ? value >= bound.limit : value <= bound.limit;
}
