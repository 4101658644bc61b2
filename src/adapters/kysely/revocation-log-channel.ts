import type { Kysely } from "kysely";
import type { ChannelReceiver, RevocationChannel } from "../../cache/revocation-channel.js";
import { guard } from "./guard.js";
import { REVOCATION_MESSAGE_LENGTH } from "./migrations/add-revocation-log.js";
import { resolveSchema, type Schema, type SchemaOptions } from "./schema.js";

export interface RevocationLogChannelOptions {
  /** How long a message stays in the log. @default 600 */
  retainSeconds?: number;
  /** How often this instance deletes messages older than that. @default 60 */
  pruneEverySeconds?: number;
}

/** An id missing below the newest seen may still commit (MySQL hands out ids before commit). */
const GAP_WAIT_MS = 2_000;
/** Past this many missing ids at once, gaps are not waited for (ids that do not come one by one). */
const MAX_GAP = 10_000;
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
  /** Every id up to it was delivered or given up on. */
  #cursor: number | null = null;
  /** Ids above the cursor already delivered. */
  #seen = new Set<number>();
  /** Ids above the cursor not seen yet, and when they were first missed. */
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
    try {
      if (this.#cursor === null) this.#cursor = await this.#newestId();
      else await this.#readNew(receiver);
      await this.#prune();
      this.#up = true;
      receiver.confirmed(issuedAt);
    } catch (error) {
      if (this.#up || this.#cursor === null) {
        receiver.down(error instanceof Error ? error.message : String(error));
      }
      this.#up = false;
    }
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

  async #readNew(receiver: ChannelReceiver): Promise<void> {
    const cursor = this.#cursor ?? 0;
    const rows = await guard(this.#schema.engine, () =>
      this.#db
        .selectFrom(this.#schema.revocationLogTable)
        .select(["id", "message"])
        .where("id", ">", cursor)
        .orderBy("id")
        .limit(BATCH)
        .execute(),
    );
    let newest = cursor;
    for (const row of rows as { id: number | string; message: string }[]) {
      const id = Number(row.id);
      newest = Math.max(newest, id);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      this.#missing.delete(id);
      receiver.message(row.message);
    }
    for (const id of this.#seen) newest = Math.max(newest, id);
    this.#advance(cursor, newest);
  }

  /** Moves the cursor up to the first id still worth waiting for. */
  #advance(cursor: number, newest: number): void {
    const now = Date.now();
    if (newest - cursor > MAX_GAP) {
      this.#settle(newest);
      return;
    }
    for (let id = cursor + 1; id <= newest; id++) {
      if (!this.#seen.has(id) && !this.#missing.has(id)) this.#missing.set(id, now);
    }
    for (const [id, since] of this.#missing) {
      if (now - since > GAP_WAIT_MS) this.#missing.delete(id);
    }
    let settled = newest;
    for (const id of this.#missing.keys()) settled = Math.min(settled, id - 1);
    this.#settle(settled);
  }

  #settle(cursor: number): void {
    this.#cursor = cursor;
    for (const id of this.#seen) if (id <= cursor) this.#seen.delete(id);
    for (const id of this.#missing.keys()) if (id <= cursor) this.#missing.delete(id);
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
