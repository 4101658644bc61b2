/** One scenario's figures in one round, as `latest.json` holds them. */
export interface Measurement {
  name: string;
  /** Requests (or lookups, for `scale-*`) per second. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Peak resident memory of the process under test (VmHWM). */
  rss_mb: number;
  /** Answers outside 2xx and socket errors (misses, for `scale-*`), warm-up included. */
  errors: number;
  /** CPU time of the server's event loop per request, in µs (HTTP scenarios loaded by wrk). */
  cpu_us?: number;
  /** Answers by HTTP status (`socket` for socket errors), for the login-flood and login-timing clients. */
  statuses?: Record<string, number>;
}

/** A scenario's result over every round. */
export interface ScenarioResult extends Measurement {
  /** req/s of each round; the row shows the round with the median req/s. */
  rps_rounds: number[];
  /** Why the scenario did not run; its figures are then null. */
  skipped?: string;
  /** What went wrong if the scenario broke; its figures are then null. */
  failed?: string;
}

/** Where the bench runs its processes and for how long. */
export interface Settings {
  quick: boolean;
  rounds: number;
  warmupSeconds: number;
  /**
   * Unmeasured load before each round's measurement: a server idle while the others ran comes
   * back with cold caches and reclaimed pages, which would be charged to its first second.
   */
  rewarmSeconds: number;
  seconds: number;
  /** CPUs of the process under test (`taskset -c`), or null for no pinning. */
  serverCpus: string | null;
  /** CPUs of the load generators. */
  loadCpus: string | null;
  /** Where servers write a V8 CPU profile (`--cpu-prof`), or null for none. */
  profileDir: string | null;
}
