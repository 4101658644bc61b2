import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Client, Notification } from "pg";
import { Heartbeat } from "../../sessions/cache/heartbeat.js";
import type {
  ChannelReceiver,
  RevocationChannel,
} from "../../sessions/cache/revocation-channel.js";
import { importDriver } from "./import-driver.js";

export interface PostgresChannelOptions {
  /** Where the listening connection goes (a client of its own, outside the pool): the database's URL. */
  connectionString: string;
  /** The app's Kysely instance on the same database: invalidations are published through its pool. */
  db: Kysely<any>;
  /** The notification channel every instance listens on. @default "tessera_revocations" */
  channel?: string;
}

/** The listening connection's `application_name`, as `pg_stat_activity` shows it. */
export const LISTENER_NAME = "tessera-revocations";
const RECONNECT_MIN_MS = 100;
/** A connection whose heartbeats stopped coming back for this long (a half-open socket) is replaced. */
const STALL_MIN_MS = 2_000;
const RECONNECT_MAX_MS = 2_000;

/**
 * Invalidations over PostgreSQL's LISTEN/NOTIFY: each is a `pg_notify` on the
 * shared channel; every instance listens on a connection of its own, which
 * also carries its heartbeats (a NOTIFY to a channel only it listens on). A
 * lost connection reports `down` and reconnects, backing off to 2 s.
 *
 * @example
 * const cache = new SessionCache({
 *   channel: postgresChannel({ connectionString: process.env.DATABASE_URL, db }),
 * });
 */
export function postgresChannel(options: PostgresChannelOptions): RevocationChannel {
  return new PostgresChannel(options);
}

class PostgresChannel implements RevocationChannel {
  readonly name = "postgres";
  readonly #options: PostgresChannelOptions;
  readonly #channel: string;
  /** This instance's own heartbeat channel. */
  readonly #echo: string;
  #receiver: ChannelReceiver | null = null;
  #heartbeat: Heartbeat | null = null;
  /** The connection now in use (or being opened); an event of any other is stale. */
  #client: Client | null = null;
  #connected = false;
  /** When a heartbeat last came back ({@link ChannelReceiver.now}). */
  #echoAt = 0;
  #stallMs = STALL_MIN_MS;
  #retryMs = RECONNECT_MIN_MS;
  #reconnect: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: PostgresChannelOptions) {
    const channel = options.channel ?? "tessera_revocations";
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(channel)) {
      throw new TypeError(
        `channel "${channel}" must be lowercase letters, digits and underscores (41 at most)`,
      );
    }
    this.#options = options;
    this.#channel = channel;
    this.#echo = `${channel}_${randomBytes(6).toString("hex")}`;
  }

  async start(receiver: ChannelReceiver, { heartbeatMs }: { heartbeatMs: number }): Promise<void> {
    this.#receiver = receiver;
    this.#stallMs = Math.max(STALL_MIN_MS, heartbeatMs * 20);
    this.#heartbeat = new Heartbeat(
      () => this.#beat(),
      heartbeatMs,
      () => this.#watch(),
    );
    await this.#connect();
  }

  // Through the listening connection while it is up (a saturated pool does not delay it), else the pool.
  async publish(message: string): Promise<void> {
    const client = this.#connected ? this.#client : null;
    if (client) await client.query("select pg_notify($1, $2)", [this.#channel, message]);
    else await sql`select pg_notify(${this.#channel}, ${message})`.execute(this.#options.db);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#heartbeat?.stop();
    if (this.#reconnect) clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const { Client } = await importDriver<typeof import("pg")>("pg");
    if (this.#closed) return;
    const client = new Client({
      connectionString: this.#options.connectionString,
      keepAlive: true,
      application_name: LISTENER_NAME,
    });
    this.#client = client;
    client.on("error", (error) => this.#lost(client, error.message));
    client.on("end", () => this.#lost(client, "the connection ended"));
    client.on("notification", (notification) => this.#notified(notification));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}; LISTEN ${this.#echo}`);
    } catch (error) {
      this.#lost(client, error instanceof Error ? error.message : String(error));
      return;
    }
    if (client !== this.#client || this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#retryMs = RECONNECT_MIN_MS;
    this.#connected = true;
    this.#echoAt = this.#receiver?.now() ?? 0;
    this.#heartbeat?.start();
  }

  #beat(): Promise<unknown> {
    const client = this.#client;
    const receiver = this.#receiver;
    if (client === null || receiver === null || !this.#connected) return Promise.resolve();
    if (!receiver.active()) return Promise.resolve();
    return client.query("select pg_notify($1, $2)", [this.#echo, String(receiver.now())]);
  }

  /** A connection whose heartbeats stopped coming back (a half-open socket) is replaced. */
  #watch(): void {
    const client = this.#client;
    const receiver = this.#receiver;
    if (client === null || receiver === null || !this.#connected) return;
    // Paused while the cache is idle: no beat was owed, so none is late.
    if (!receiver.active()) this.#echoAt = receiver.now();
    if (receiver.now() - this.#echoAt > this.#stallMs) {
      this.#lost(client, `no heartbeat came back for ${this.#stallMs} ms`);
    }
  }

  #notified({ channel, payload }: Notification): void {
    if (payload === undefined) return;
    if (channel === this.#echo) {
      this.#echoAt = this.#receiver?.now() ?? 0;
      this.#receiver?.confirmed(Number(payload));
    } else if (channel === this.#channel) this.#receiver?.message(payload);
  }

  #lost(client: Client, reason: string): void {
    if (client !== this.#client || this.#closed) return;
    this.#client = null;
    this.#connected = false;
    this.#heartbeat?.stop();
    client.end().catch(() => {});
    this.#receiver?.down(reason);
    this.#reconnect = setTimeout(() => {
      this.#reconnect = null;
      this.#connect().catch((error: unknown) => this.#receiver?.down(String(error)));
    }, this.#retryMs);
    this.#reconnect.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
  }
}
