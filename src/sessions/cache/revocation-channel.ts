/**
 * How invalidations travel between the instances that share a database:
 * PostgreSQL's LISTEN/NOTIFY, Redis pub/sub, or a revocation log polled in
 * the database. A {@link SessionCache} starts one and trusts its entries only
 * while the channel shows, by confirmations, that it is delivering.
 */
export interface RevocationChannel {
  /** Named in logs and in the cache's status: `"postgres"`, `"redis"`, `"log"`. */
  readonly name: string;
  /**
   * Starts delivering to `receiver`; resolves once the first attempt to
   * connect is over (connected or not: a channel that cannot connect reports
   * `down` and keeps trying). `heartbeatMs` is how often a push channel
   * proves it still delivers (a polled channel polls that often).
   */
  start(receiver: ChannelReceiver, options: { heartbeatMs: number }): Promise<void>;
  /** Sends one message to every instance (this one included, or not). Rejects when it could not. */
  publish(message: string): Promise<void>;
  /** Stops delivering and releases its connections. */
  close(): Promise<void>;
}

/** What a channel reports to its cache. */
export interface ChannelReceiver {
  /** A message some instance published. */
  message(message: string): void;
  /**
   * Every message published before `since` (a reading of {@link now}) has
   * been delivered: a heartbeat sent then came back, or a poll issued then
   * succeeded.
   */
  confirmed(since: number): void;
  /** The channel lost its connection: messages may be lost until it is back. */
  down(reason: string): void;
  /** The cache's monotonic clock, in milliseconds. */
  now(): number;
  /**
   * Whether the cache is being used: while it is not, a channel skips its
   * heartbeats and polls (messages pushed to it are still delivered).
   */
  active(): boolean;
}
