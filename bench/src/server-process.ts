import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface ServerOptions {
  /** The script node runs (compiled JavaScript). */
  script: string;
  env: Record<string, string>;
  /** CPUs the process is pinned to (`taskset -c`), or `null` to let the kernel place it. */
  cpus: string | null;
  /** Options for node itself, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/** A server in its own process, listening on a free loopback port. */
export class ServerProcess {
  #output = "";

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on("data", (chunk) => this.#append(chunk));
    child.stderr?.on("data", (chunk) => this.#append(chunk));
  }

  /** Starts the server and waits until `GET /health` answers 200. */
  static async start(options: ServerOptions): Promise<ServerProcess> {
    const port = await freePort();
    const env = {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      ...options.env,
    };
    const args = [...(options.nodeArgs ?? []), options.script];
    const child = withCpus(options.cpus, process.execPath, args, env);
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
    await server.#waitReady();
    return server;
  }

  /** Peak resident memory of the server so far (VmHWM), in MB. */
  async peakRssMb(): Promise<number> {
    const status = await readFile(`/proc/${this.child.pid}/status`, "utf8");
    const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  }

  /**
   * CPU time the server's main thread (the event loop, which bounds its req/s) has used so far, in
   * µs. Unlike req/s it barely moves when other processes share the machine.
   */
  async cpuMicros(): Promise<number> {
    const schedstat = await readFile(`/proc/${this.child.pid}/schedstat`, "utf8");
    return Number(schedstat.split(" ")[0]) / 1000;
  }

  /** What the server printed (for error messages). */
  get output(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }

  #append(chunk: Buffer): void {
    this.#output = (this.#output + chunk.toString()).slice(-4000);
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      try {
        const response = await fetch(`${this.url}/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`server ${this.child.spawnargs.join(" ")} did not start:\n${this.#output}`);
  }
}

/** Spawns a command, pinned to `cpus` through taskset when given (taskset execs, so the pid is the command's). */
export function withCpus(
  cpus: string | null,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const [file, argv] =
    cpus === null ? [command, args] : ["taskset", ["-c", cpus, command, ...args]];
  return spawn(file, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}
