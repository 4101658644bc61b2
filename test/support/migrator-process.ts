import { spawn } from "node:child_process";
import { resolve } from "node:path";

/** A child process that migrates `url` when told to (test/support/migrate-on-signal.ts). */
export function startMigrator(url: string, env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "test/support/migrate-on-signal.ts"],
    {
      cwd: resolve(import.meta.dirname, "../.."),
      env: { ...process.env, ...env, DATABASE_URL: url },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const ready = new Promise<void>((done) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.startsWith("ready\n")) done();
    });
  });
  const report = new Promise<{ applied: string[]; addedColumns: string[] }>((done, fail) => {
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`migrator exited ${code}: ${stderr}`));
      else done(JSON.parse(stdout.slice("ready\n".length)));
    });
  });
  return { ready, report, go: () => child.stdin.end("go\n") };
}
