/**
 * Runs `batch` (which deletes at most `size` rows and says how many) until
 * one deletes fewer. Between two batches it yields to the event loop and,
 * with a `dutyCycle` below 1, sleeps so that deleting takes at most that
 * share of the time: a purge that shares its machine with requests.
 */
export async function deleteInBatches(
  batch: () => Promise<number>,
  size: number,
  dutyCycle = 1,
): Promise<number> {
  if (!(Number.isInteger(size) && size >= 1)) {
    throw new RangeError(`batchSize must be a positive integer, got ${size}`);
  }
  if (!(dutyCycle > 0 && dutyCycle <= 1)) {
    throw new RangeError(`dutyCycle must be above 0 and at most 1, got ${dutyCycle}`);
  }
  let total = 0;
  for (;;) {
    const started = performance.now();
    const deleted = await batch();
    total += deleted;
    if (deleted < size) return total;
    const pause = ((performance.now() - started) * (1 - dutyCycle)) / dutyCycle;
    // Between batches the event loop (and, on SQLite, the write lock) is free for requests.
    await new Promise((resolve) =>
      pause >= 1 ? setTimeout(resolve, pause) : setImmediate(resolve),
    );
  }
}
