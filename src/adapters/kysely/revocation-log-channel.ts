import type { Kysely, SelectQueryBuilder } from "kysely";
import type {
  ChannelReceiver,
  RevocationChannel,
} from "../../sessions/cache/revocation-channel.js";
import { guard } from "./guard.js";
import { REVOCATION_MESSAGE_LENGTH } from "./migrations/add-revocation-log.js";
import { resolveSchema, type Schema, type SchemaOptions } from "./schema.js";

export interface RevocationLogChannelOptions {
  /** How long a message stays in the log. @default 600 */
  retainSeconds?: number;
  /** How often this instance deletes messages older than that. @default 60 */
  pruneEverySeconds?: number;
}

/**
 * An id missing below the newest seen may still commit (MySQL and PostgreSQL
 * hand out ids before commit); it is looked for again on every poll this long.
 */
const GAP_WAIT_MS = 60_000;
/** Missing ids looked for at most (a jump in ids larger than this is not waited for). */
const MAX_MISSING = 1_000;
const BATCH = 500;

/**
 * Invalidations through a table of the database itself, for engines without
 * a notification channel (MySQL, MariaDB, SQLite): each is a row of the
 * revocation log (migration `0006`), and every instance polls the rows after
 * the last it saw, every heartbeat (a quarter of the cache's staleness bound
 * by default). A poll that succeeds confirms delivery of everything written
 * before it was issued; one that fails reports the channel down. Rows older
 * than `retainSeconds` are pruned.
 *
 * @example
 * const cache = new SessionCache({ channel: revocationLogChannel(db) });
 */
export function revocationLogChannel(
  db: Kysely<any>,
  schema: SchemaOptions = {},
  options: RevocationLogChannelOptions = {},
): RevocationChannel {
  return new RevocationLogChannel(db, resolveSchema(db, schema), options);
}

class RevocationLogChannel implements RevocationChannel {
  readonly name = "log";
  readonly #db: Kysely<any>;
  readonly #schema: Schema;
  readonly #retainMs: number;
  readonly #pruneEveryMs: number;
  #receiver: ChannelReceiver | null = null;
  #everyMs = 25;
  /** The newest id read; every id above it is new. */
  #newest: number | null = null;
  /** Ids below {@link #newest} not seen yet, and when they were first missed. */
  #missing = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;
  #lastPrune = 0;
  #up = false;
  #closed = false;

  constructor(db: Kysely<any>, schema: Schema, options: RevocationLogChannelOptions) {
    this.#db = db;
    this.#schema = schema;
    this.#retainMs = (options.retainSeconds ?? 600) * 1000;
    this.#pruneEveryMs = (options.pruneEverySeconds ?? 60) * 1000;
  }

  async start(receiver: ChannelReceiver, { heartbeatMs }: { heartbeatMs: number }): Promise<void> {
    this.#receiver = receiver;
    this.#everyMs = heartbeatMs;
    await this.#poll();
  }

  async publish(message: string): Promise<void> {
    if (message.length > REVOCATION_MESSAGE_LENGTH) {
      throw new RangeError(`an invalidation is ${REVOCATION_MESSAGE_LENGTH} characters at most`);
    }
    await guard(this.#schema.engine, () =>
      this.#db
        .insertInto(this.#schema.revocationLogTable)
        .values({ message, created_ms: Date.now() })
        .execute(),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    const receiver = this.#receiver;
    if (this.#closed || receiver === null) return;
    const issuedAt = receiver.now();
    // Paused while the cache is idle (rows wait in the log; the first poll after reads them all).
    if (!receiver.active() && this.#newest !== null) {
      this.#schedule();
      return;
    }
    try {
      if (this.#newest === null) this.#newest = await this.#newestId();
      else await this.#readNew(receiver);
      await this.#prune();
      this.#up = true;
      receiver.confirmed(issuedAt);
    } catch (error) {
      if (this.#up || this.#newest === null) {
        receiver.down(error instanceof Error ? error.message : String(error));
      }
      this.#up = false;
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#poll(), this.#everyMs);
    this.#timer.unref();
  }

  async #newestId(): Promise<number> {
    const row = await guard(this.#schema.engine, () =>
      this.#db
        .selectFrom(this.#schema.revocationLogTable)
        .select((eb) => eb.fn.max<number | string | null>("id").as("id"))
        .executeTakeFirst(),
    );
    return Number(row?.id ?? 0);
  }

  /** Every row above the newest read (batch after batch, so a poll confirms only what it read), then the missing ones. */
  async #readNew(receiver: ChannelReceiver): Promise<void> {
    for (;;) {
      const after = this.#newest ?? 0;
      const rows = await this.#rows((query) => query.where("id", ">", after).limit(BATCH));
      for (const { id, message } of rows) {
        for (let gap = (this.#newest ?? 0) + 1; gap < id; gap++) this.#miss(gap);
        this.#newest = Math.max(this.#newest ?? 0, id);
        receiver.message(message);
      }
      if (rows.length < BATCH) break;
    }
    if (this.#missing.size === 0) return;
    const now = Date.now();
    for (const [id, since] of this.#missing) {
      if (now - since > GAP_WAIT_MS) this.#missing.delete(id);
    }
    const ids = [...this.#missing.keys()];
    if (ids.length === 0) return;
    for (const { id, message } of await this.#rows((query) => query.where("id", "in", ids))) {
      this.#missing.delete(id);
      receiver.message(message);
    }
  }

  #miss(id: number): void {
    if (this.#missing.size < MAX_MISSING) this.#missing.set(id, Date.now());
  }

  async #rows(
    filter: (
      query: SelectQueryBuilder<any, any, { id: unknown; message: unknown }>,
    ) => typeof query,
  ): Promise<{ id: number; message: string }[]> {
    const rows = await guard(this.#schema.engine, () =>
      filter(
        this.#db
          .selectFrom(this.#schema.revocationLogTable)
          .select(["id", "message"])
          .orderBy("id"),
      ).execute(),
    );
    return rows.map((row) => ({ id: Number(row.id), message: String(row.message) }));
  }

  async #prune(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < this.#pruneEveryMs) return;
    this.#lastPrune = now;
    await guard(this.#schema.engine, () =>
      this.#db
        .deleteFrom(this.#schema.revocationLogTable)
        .where("created_ms", "<", now - this.#retainMs)
        .execute(),
    );
  }
}
