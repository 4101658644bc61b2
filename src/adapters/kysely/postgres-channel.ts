import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Client, Notification } from "pg";
import { Heartbeat } from "../../cache/heartbeat.js";
import type { ChannelReceiver, RevocationChannel } from "../../cache/revocation-channel.js";
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
    this.#heartbeat = new Heartbeat(() => this.#beat(), heartbeatMs);
    await this.#connect();
  }

  async publish(message: string): Promise<void> {
    await sql`select pg_notify(${this.#channel}, ${message})`.execute(this.#options.db);
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
    if (client !== this.#client) return;
    this.#retryMs = RECONNECT_MIN_MS;
    this.#heartbeat?.start();
  }

  #beat(): Promise<unknown> {
    const client = this.#client;
    const receiver = this.#receiver;
    if (client === null || receiver === null) return Promise.resolve();
    return client.query("select pg_notify($1, $2)", [this.#echo, String(receiver.now())]);
  }

  #notified({ channel, payload }: Notification): void {
    if (payload === undefined) return;
    if (channel === this.#echo) this.#receiver?.confirmed(Number(payload));
    else if (channel === this.#channel) this.#receiver?.message(payload);
  }

  #lost(client: Client, reason: string): void {
    if (client !== this.#client || this.#closed) return;
    this.#client = null;
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
