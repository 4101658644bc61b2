/**
 * Calls `send` every `everyMs`, never two at once (a send still pending skips
 * its turn): how a push channel proves, round trip after round trip, that it
 * still delivers. A failed send is left to the channel's own error handling.
 */
export class Heartbeat {
  #timer: NodeJS.Timeout | null = null;
  #pending = false;
  /** Bumped by every start: a send of a connection given up on never blocks the next one's. */
  #generation = 0;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly everyMs: number,
    /** Runs on every tick, a send pending or not (a stall watchdog). */
    private readonly tick: () => void = () => {},
  ) {}

  start(): void {
    this.stop();
    this.#generation++;
    this.#pending = false;
    this.#timer = setInterval(() => this.#beat(), this.everyMs);
    this.#timer.unref();
    this.#beat();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #beat(): void {
    this.tick();
    if (this.#pending || this.#timer === null) return;
    this.#pending = true;
    const generation = this.#generation;
    this.send()
      .catch(() => {})
      .finally(() => {
        if (generation === this.#generation) this.#pending = false;
      });
  }
}
