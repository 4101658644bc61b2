import { spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tessera <args>` from the sources in a child process, with extra environment. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", "src/cli/main.ts", ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
