/** What a purge schedule runs: `DatabaseStrategy.purgeExpired`. */
export interface Purgeable {
  purgeExpired(options?: { batchSize?: number; dutyCycle?: number }): Promise<number>;
}

export interface PurgeScheduleOptions {
  /** Seconds between two purges. */
  everySeconds: number;
  /** Rows per statement. @default 1000 */
  batchSize?: number;
  /**
   * The share of the time a purge spends deleting: it sleeps between batches
   * so that requests keep most of the machine.
   * @default 0.5
   */
  dutyCycle?: number;
  /** Where a failed purge is reported (the next one still runs). @default console.error */
  onError?: (error: unknown) => void;
}

/** A running purge schedule. */
export interface PurgeSchedule {
  /** Stops the schedule and waits for a purge in flight to finish. */
  stop(): Promise<void>;
}

/**
 * Purges expired (and idle) sessions every `everySeconds` in this process, in
 * batches, so a large purge never holds the table for long. A purge still
 * running when the next is due is not doubled; the timer does not keep the
 * process alive. Several instances may each run one: purges are idempotent.
 *
 * @example
 * const schedule = schedulePurge(strategy, { everySeconds: 600 });
 * // at shutdown:
 * await schedule.stop();
 */
export function schedulePurge(strategy: Purgeable, options: PurgeScheduleOptions): PurgeSchedule {
  const { everySeconds, batchSize = 1000, dutyCycle = 0.5 } = options;
  if (!(everySeconds > 0)) throw new RangeError("everySeconds must be a positive number");
  const onError =
    options.onError ??
    ((error: unknown) =>
      console.error(`tessera: purge failed: ${error instanceof Error ? error.message : error}`));
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = strategy
      .purgeExpired({ batchSize, dutyCycle })
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => {
        running = null;
      });
  }, everySeconds * 1000);
  timer.unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
