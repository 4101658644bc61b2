import { ServerBusy } from "./errors.js";

/**
 * Limits how many async tasks run at once; the rest wait in arrival order, at
 * most `maxWaiting` of them: past that, a task is refused at once with
 * {@link ServerBusy} instead of waiting without bound.
 */
export class Semaphore {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

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

  /** Whether a task started now would have to wait. */
  get full(): boolean {
    return this.#running >= this.capacity;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.capacity) {
      if (this.#waiting.length >= this.maxWaiting) throw new ServerBusy();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
