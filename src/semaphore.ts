import { ServerBusy } from "./errors.js";

interface Waiter {
  readonly priority: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Limits how many async tasks run at once; the rest wait, lower `priority`
 * first and in arrival order among equals, at most `maxWaiting` of them. Past
 * that, a task is refused at once with {@link ServerBusy}, unless it is more
 * urgent than the last in line: then that one is refused and this one waits.
 */
export class Semaphore {
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(
    readonly capacity: number,
    readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    if (!(maxWaiting >= 0)) throw new RangeError(`maxWaiting must be >= 0, got ${maxWaiting}`);
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Waiting tasks that a task of this priority would wait behind. */
  waitingAhead(priority = 0): number {
    let ahead = 0;
    while (ahead < this.#waiting.length && (this.#waiting[ahead] as Waiter).priority <= priority) {
      ahead++;
    }
    return ahead;
  }

  /** Whether a task started now would have to wait. */
  get full(): boolean {
    return this.#running >= this.capacity;
  }

  async run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    if (this.#running >= this.capacity) {
      if (this.#waiting.length >= this.maxWaiting) {
        const last = this.#waiting.at(-1);
        if (last === undefined || last.priority <= priority) throw new ServerBusy();
        this.#waiting.pop();
        last.reject(new ServerBusy());
      }
      await new Promise<void>((resolve, reject) => {
        this.#waiting.splice(this.waitingAhead(priority), 0, { priority, resolve, reject });
      });
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next.resolve();
      else this.#running--;
    }
  }
}
