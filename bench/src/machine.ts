import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { BENCH_DIR, ROOT_DIR } from "./paths.js";

/** What the numbers were measured on, as `latest.json` records it. */
export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  ram_gb: number;
  os: string;
  node: string;
  commit: string;
  versions: Record<string, string>;
  loadavg_before: number[];
  loadavg_after?: number[];
}

export function describeMachine(): Machine {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read("/proc/cpuinfo"))?.[1] ?? "unknown";
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(read("/etc/os-release"))?.[1] ?? "Linux";
  return {
    date: new Date().toISOString(),
    cpu,
    cores: availableParallelism(),
    ram_gb: Math.round(totalmem() / 2 ** 30),
    os: `${os}, kernel ${release()}`,
    node: process.version,
    commit: command("git", ["-C", ROOT_DIR, "describe", "--always", "--dirty"]),
    versions: {
      tessera: version(ROOT_DIR),
      hono: version(join(ROOT_DIR, "node_modules", "hono")),
      "@hono/node-server": version(join(ROOT_DIR, "node_modules", "@hono", "node-server")),
      "better-sqlite3": version(join(ROOT_DIR, "node_modules", "better-sqlite3")),
      kysely: version(join(ROOT_DIR, "node_modules", "kysely")),
      express: version(join(ROOT_DIR, "node_modules", "express")),
      fastify: version(join(ROOT_DIR, "node_modules", "fastify")),
      "better-auth": version(join(BENCH_DIR, "node_modules", "better-auth")),
      wrk: command("wrk", ["-v"]).split("\n")[0]?.split(" [")[0]?.replace(/^wrk /, "") ?? "unknown",
    },
    loadavg_before: loadAverage(),
  };
}

export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

function version(directory: string): string {
  try {
    return (JSON.parse(read(join(directory, "package.json"))) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A command's output; wrk -v exits 1, so the output is taken whatever the exit code. */
function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}`.trim() || "unknown";
  }
}
