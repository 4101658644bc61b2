import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * The demo server (`demo/server.ts`), or an example server (`examples/<framework>/server.ts`),
 * in a child process of its own, as `npm start` and `npm run example:<framework>` run it.
 */
export class DemoProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly printed: () => string,
  ) {}

  /** What the server has written so far, standard output and error together. */
  get output(): string {
    return this.printed();
  }

  /** Starts the server on a free port over `databaseUrl` and waits until it listens. */
  static async start(
    databaseUrl: string,
    options: { script?: string; env?: Record<string, string> } = {},
  ): Promise<DemoProcess> {
    const { script = "demo/server.ts", env = {} } = options;
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: "0",
        DATABASE_URL: databaseUrl,
        TESSERA_SECRET: "test-secret-shared-by-both-instances",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const url = await new Promise<string>((done, fail) => {
      const read = (chunk: Buffer) => {
        output += chunk;
        const match = /^tessera .*?(http:\/\/[^\s)]+)/m.exec(output);
        if (match?.[1]) done(match[1]);
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      child.on("exit", (code) => fail(new Error(`demo exited with ${code}: ${output}`)));
    });
    return new DemoProcess(child, url, () => output);
  }

  /**
   * Runs the server with `env` over the defaults of {@link start}, for a start that must fail:
   * resolves with its exit code and output once it exits (or rejects if it listens).
   */
  static async failToStart(
    env: Record<string, string>,
    options: { script?: string } = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { script = "demo/server.ts" } = options;
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: "0",
        DATABASE_URL: "sqlite::memory:",
        TESSERA_SECRET: "test-secret-shared-by-both-instances",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (/^tessera .*http:\/\//m.test(stdout)) child.kill("SIGKILL");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const [code] = (await once(child, "exit")) as [number | null];
    if (/^tessera .*http:\/\//m.test(stdout)) throw new Error(`it started: ${stdout}`);
    return { code, stdout, stderr };
  }

  /** The server's process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Sends `signal` and resolves with how the process ended. */
  async kill(
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return { code: this.child.exitCode, signal: this.child.signalCode };
    }
    const exited = once(this.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    this.child.kill(signal);
    const [code, by] = await exited;
    return { code, signal: by };
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  }

  /** Stops the process (SIGTERM: the demo closes its server and pool) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    await exited;
  }
}
