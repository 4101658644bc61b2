import { randomBytes } from "node:crypto";
import type { Redis, RedisOptions } from "ioredis";
import { Heartbeat } from "../../sessions/cache/heartbeat.js";
import type {
  ChannelReceiver,
  RevocationChannel,
} from "../../sessions/cache/revocation-channel.js";
import { guard, REDIS_TIMEOUT_MS } from "./guard.js";

export interface RedisChannelOptions {
  /** The Redis server, as ioredis takes it. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** More ioredis options for both connections. */
  redis?: RedisOptions;
  /** The pub/sub channel every instance subscribes to. @default "tessera:revocations" */
  channel?: string;
}

const RECONNECT_MAX_MS = 2_000;
/** How long `start` waits for the first subscription (the cache stays bypassed until it is confirmed). */
const START_WAIT_MS = 2_000;
/** A subscriber whose heartbeats stopped coming back for this long is reconnected. */
const STALL_MIN_MS = 2_000;

/**
 * Invalidations over Redis pub/sub: one connection subscribes to the shared
 * channel and to this instance's heartbeat channel, a second publishes both.
 * A subscriber that loses its connection reports `down`; ioredis reconnects
 * and subscribes again, and the next heartbeat that comes back brings the
 * cache up. Publishing fails at once while disconnected (no offline queue),
 * so the cache retries the message itself.
 *
 * @example
 * const cache = new SessionCache({ channel: redisChannel({ url: process.env.REDIS_URL }) });
 */
export function redisChannel(options: RedisChannelOptions = {}): RevocationChannel {
  return new RedisChannel(options);
}

class RedisChannel implements RevocationChannel {
  readonly name = "redis";
  readonly #options: RedisChannelOptions;
  readonly #channel: string;
  readonly #echo: string;
  #subscriber: Redis | null = null;
  #publisher: Redis | null = null;
  #heartbeat: Heartbeat | null = null;
  #closed = false;

  constructor(options: RedisChannelOptions) {
    this.#options = options;
    this.#channel = options.channel ?? "tessera:revocations";
    this.#echo = `${this.#channel}:heartbeat:${randomBytes(6).toString("hex")}`;
  }

  async start(receiver: ChannelReceiver, { heartbeatMs }: { heartbeatMs: number }): Promise<void> {
    const { Redis } = await import("ioredis");
    const url = this.#options.url ?? "redis://127.0.0.1:6379";
    const retryStrategy = (times: number) => Math.min(times * 100, RECONNECT_MAX_MS);
    const options = { ...this.#options.redis, retryStrategy };
    // The subscription waits in the offline queue until connected, and is renewed on every reconnect.
    const subscriber = new Redis(url, { ...options, maxRetriesPerRequest: null });
    const publisher = new Redis(url, { ...options, enableOfflineQueue: false });
    this.#subscriber = subscriber;
    this.#publisher = publisher;
    let echoAt = receiver.now();
    subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.#echo) {
        echoAt = receiver.now();
        receiver.confirmed(Number(message));
      } else if (channel === this.#channel) receiver.message(message);
    });
    subscriber.on("ready", () => {
      echoAt = receiver.now();
    });
    const stallMs = Math.max(STALL_MIN_MS, heartbeatMs * 20);
    subscriber.on("close", () => {
      if (!this.#closed) receiver.down("the subscriber's connection closed");
    });
    // ioredis reports connection errors as events; the `close` that follows is what counts.
    subscriber.on("error", () => {});
    publisher.on("error", () => {});
    this.#heartbeat = new Heartbeat(
      async () => {
        if (receiver.active()) {
          await guard(publisher, REDIS_TIMEOUT_MS, () =>
            publisher.publish(this.#echo, String(receiver.now())),
          );
        }
      },
      heartbeatMs,
      () => {
        // Paused while the cache is idle: no beat was owed, so none is late.
        if (!receiver.active()) echoAt = receiver.now();
        // Connected, yet no heartbeat back for long: a half-open socket. Reconnect (and resubscribe).
        if (subscriber.status === "ready" && receiver.now() - echoAt > stallMs) {
          echoAt = receiver.now();
          subscriber.disconnect(true);
        }
      },
    );
    // Beats through outages too: one that cannot be published confirms nothing.
    this.#heartbeat.start();
    const subscribed = subscriber.subscribe(this.#channel, this.#echo).catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise((resolve) => {
      timer = setTimeout(resolve, START_WAIT_MS);
    });
    await Promise.race([subscribed, waited]).finally(() => clearTimeout(timer));
  }

  async publish(message: string): Promise<void> {
    const publisher = this.#publisher;
    if (publisher === null) throw new Error("the Redis channel is not started");
    // Bounded, and 503-classed if it surfaces: the cache retries it meanwhile.
    await guard(publisher, REDIS_TIMEOUT_MS, () => publisher.publish(this.#channel, message));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#heartbeat?.stop();
    this.#subscriber?.disconnect();
    this.#publisher?.disconnect();
  }
}
