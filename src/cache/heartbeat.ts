/**
 * Calls `send` every `everyMs`, never two at once (a send still pending skips
 * its turn): how a push channel proves, round trip after round trip, that it
 * still delivers. A failed send is left to the channel's own error handling.
 */
export class Heartbeat {
  #timer: NodeJS.Timeout | null = null;
  #pending = false;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.stop();
    this.#timer = setInterval(() => this.#beat(), this.everyMs);
    this.#timer.unref();
    this.#beat();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #beat(): void {
    if (this.#pending) return;
    this.#pending = true;
    this.send()
      .catch(() => {})
      .finally(() => {
        this.#pending = false;
      });
  }
}
