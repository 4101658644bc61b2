import { ServerBusy } from "./errors.js";

interface Waiter {
  readonly priority: number;
  /** When it started waiting (the semaphore's clock, in ms). */
  readonly since: number;
  resolve(): void;
  reject(error: Error): void;
}

/** How a {@link Semaphore} orders its queue under load. */
export interface SemaphoreOptions {
  /** Tasks that may wait at once; past that a task is refused. @default Infinity */
  maxWaiting?: number;
  /**
   * Adaptive LIFO: once the oldest of the most urgent tasks has waited this
   * long, its equals are served newest first, so a task arriving after a
   * burst does not wait behind all of it; once it has waited four times this
   * long it is served next, so no task waits without bound.
   * @default Infinity (arrival order, always)
   */
  congestedAfterMs?: number;
  /** Milliseconds from any fixed point. @default performance.now */
  now?: () => number;
}

/**
 * Limits how many async tasks run at once; the rest wait, lower `priority`
 * first, at most `maxWaiting` of them. Past that, a task is refused at once
 * with {@link ServerBusy}, unless it is more urgent than the last in line:
 * then that one is refused and this one waits.
 *
 * Among equals, tasks run in arrival order until the queue is congested,
 * then newest first (the adaptive LIFO of Facebook's "Fail at Scale"): under
 * a flood, a task that arrives after the burst still gets a prompt answer.
 * A task that has waited four times the congestion threshold goes first
 * among its equals, so none waits without bound.
 */
export class Semaphore {
  #running = 0;
  /** Sorted by priority, then arrival. */
  readonly #waiting: Waiter[] = [];
  readonly maxWaiting: number;
  readonly #congestedAfterMs: number;
  readonly #now: () => number;

  constructor(
    readonly capacity: number,
    options: SemaphoreOptions = {},
  ) {
    const {
      maxWaiting = Number.POSITIVE_INFINITY,
      congestedAfterMs = Number.POSITIVE_INFINITY,
      now = () => performance.now(),
    } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    if (!(maxWaiting >= 0)) throw new RangeError(`maxWaiting must be >= 0, got ${maxWaiting}`);
    this.maxWaiting = maxWaiting;
    this.#congestedAfterMs = congestedAfterMs;
    this.#now = now;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Waiting tasks that a task of this priority would wait behind (in arrival order). */
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
        const waiter = { priority, since: this.#now(), resolve, reject };
        this.#waiting.splice(this.waitingAhead(priority), 0, waiter);
      });
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      const next = this.#next();
      if (next) next.resolve();
      else this.#running--;
    }
  }

  /** Takes the task to run next off the queue: one of the most urgent (see the class). */
  #next(): Waiter | undefined {
    const first = this.#waiting[0];
    if (first === undefined) return undefined;
    const waited = this.#now() - first.since;
    let index = 0;
    if (waited >= this.#congestedAfterMs && waited < 4 * this.#congestedAfterMs) {
      while ((this.#waiting[index + 1] as Waiter | undefined)?.priority === first.priority) index++;
    }
    return this.#waiting.splice(index, 1)[0];
  }
}
