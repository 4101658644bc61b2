import { platform } from "node:os";
import { Worker } from "node:worker_threads";

/** One password-hashing job, run on a {@link HashingPool} thread. */
export type HashJob =
  | {
      op: "argon2-hash";
      password: string;
      options: { algorithm: number; memoryCost: number; timeCost: number; parallelism: number };
    }
  | { op: "argon2-verify"; hash: string; password: string }
  | { op: "bcrypt-verify"; hash: string; password: string };

type Answer = { value: string | boolean; ms: number } | { error: string };

/** A job's result, and how long it computed on its thread in milliseconds. */
export interface HashOutcome {
  value: string | boolean;
  ms: number;
}

/**
 * Nice value of the hashing threads on Linux, where each thread has its own:
 * under a login flood the event loop's thread still gets ~3/4 of a contended
 * CPU (scheduler weights 1024 and 335), so every other request (`/health`,
 * authenticated calls) keeps its latency, while a login's hash still finishes
 * in well under a second. Measured by the bench's login-flood (nice 10 starved
 * the legitimate logins; 0 let the flood's hashes starve `/health`).
 * Elsewhere a nice value applies to the whole process: normal priority there.
 */
const HASHING_NICE = platform() === "linux" ? 5 : 0;

const WORKER_FILE = new URL("./hash-worker.cjs", import.meta.url);

/**
 * Threads that compute password hashes, started when first needed and
 * holding the process open only while they work. The caller bounds how many
 * jobs run at once (PasswordHelper's queue); extra jobs wait here for a thread.
 */
export class HashingPool {
  readonly #idle: HashingThread[] = [];
  readonly #waiting: Array<(thread: HashingThread) => void> = [];
  #started = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`size must be a positive integer, got ${size}`);
    }
  }

  async run(job: HashJob): Promise<HashOutcome> {
    const thread = await this.#take();
    try {
      return await thread.run(job);
    } finally {
      this.#give(thread);
    }
  }

  #take(): Promise<HashingThread> {
    let idle = this.#idle.pop();
    while (idle?.dead) idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#started < this.size) return Promise.resolve(this.#start());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #give(thread: HashingThread): void {
    const next = this.#waiting.shift();
    // A thread that died is replaced for the next job, not put back.
    if (thread.dead) next?.(this.#start());
    else if (next) next(thread);
    else this.#idle.push(thread);
  }

  #start(): HashingThread {
    this.#started++;
    return new HashingThread(() => this.#started--);
  }
}

const shared = new Map<number, HashingPool>();

/** The process's pool of this size: helpers alike share their threads. */
export function sharedHashingPool(size: number): HashingPool {
  let pool = shared.get(size);
  if (pool === undefined) {
    pool = new HashingPool(size);
    shared.set(size, pool);
  }
  return pool;
}

/** One worker thread; runs one job at a time. */
class HashingThread {
  readonly #worker: Worker;
  #pending: { resolve(outcome: HashOutcome): void; reject(error: Error): void } | null = null;
  dead = false;

  constructor(onExit: () => void) {
    // No execArgv: the worker is plain CommonJS and needs none of the app's loaders or profilers.
    this.#worker = new Worker(WORKER_FILE, { workerData: { nice: HASHING_NICE }, execArgv: [] });
    this.#worker.unref();
    this.#worker.on("message", (answer: Answer) => {
      const pending = this.#pending;
      this.#pending = null;
      this.#worker.unref();
      if ("error" in answer) pending?.reject(new Error(answer.error));
      else pending?.resolve(answer);
    });
    const die = (error: Error) => {
      if (this.dead) return;
      this.dead = true;
      onExit();
      this.#pending?.reject(error);
      this.#pending = null;
    };
    this.#worker.on("error", die);
    this.#worker.on("exit", (code) => die(new Error(`hashing thread exited with code ${code}`)));
  }

  run(job: HashJob): Promise<HashOutcome> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      // Referenced while it works: a CLI awaiting a hash must not exit first.
      this.#worker.ref();
      this.#worker.postMessage(job);
    });
  }
}
