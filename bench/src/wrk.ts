import { once } from "node:events";
import { join } from "node:path";
import { BENCH_DIR } from "./paths.js";
import { withCpus } from "./server-process.js";

/** One wrk measurement. */
export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Answers outside 2xx plus socket errors (connect, read, write, timeout). */
  errors: number;
}

export interface WrkOptions {
  url: string;
  headers?: Record<string, string>;
  seconds: number;
  /** @default 32 */
  connections?: number;
  cpus: string | null;
  /** Ends the run early (wrk reports what it measured so far) when it settles. */
  until?: Promise<unknown>;
}

const SCRIPT = join(BENCH_DIR, "wrk", "report.lua");

/** Loads `url` with wrk (one thread, keep-alive connections) and reads its JSON report. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const { url, headers = {}, seconds, connections = 32, cpus, until } = options;
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "-s", SCRIPT];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  args.push(url);
  const child = withCpus(cpus, "wrk", args);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, "exit");
  const stop = () => child.kill("SIGINT");
  until?.then(stop, stop);
  const [code] = await exited;
  const line = stdout.split("\n").find((text) => text.startsWith('{"requests"'));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${stderr || stdout}`);
  const report = JSON.parse(line) as Record<string, number>;
  const value = (key: string) => report[key] ?? 0;
  const secondsMeasured = value("duration_us") / 1e6;
  return {
    requests: value("requests"),
    seconds: secondsMeasured,
    rps: value("requests") / secondsMeasured,
    p50_ms: value("p50_us") / 1000,
    p99_ms: value("p99_us") / 1000,
    errors: value("non2xx") + value("connect") + value("read") + value("write") + value("timeout"),
  };
}
