import { type Kysely, sql } from "kysely";
import type { RateLimitHit, RateLimitStore } from "../../http/rate-limit/rate-limit-store.js";
import { type Engine, engineOf } from "./engine.js";
import { guard } from "./guard.js";

export interface KyselyRateLimitStoreOptions {
  /** The table of counters, created on first use if missing. @default "tessera_rate_limit" */
  table?: string;
  /** Ended windows are deleted once every this many hits. @default 1000 */
  sweepEvery?: number;
}

/**
 * Rate-limit counters in the app's own SQL database (SQLite, PostgreSQL,
 * MySQL/MariaDB), so every instance of the app counts together. One row per
 * key and window; each hit is one atomic upsert.
 *
 * @example
 * const tessera = new Tessera({ ..., rateLimit: { store: new KyselyRateLimitStore(db) } });
 */
export class KyselyRateLimitStore implements RateLimitStore {
  readonly #db: Kysely<any>;
  readonly #engine: Engine;
  readonly #table: string;
  readonly #sweepEvery: number;
  #ready: Promise<void> | undefined;
  #hits = 0;

  constructor(db: Kysely<any>, options: KyselyRateLimitStoreOptions = {}) {
    this.#db = db.withoutPlugins();
    this.#engine = engineOf(db);
    this.#table = options.table ?? "tessera_rate_limit";
    this.#sweepEvery = options.sweepEvery ?? 1000;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(this.#table)) {
      throw new TypeError(`table name "${this.#table}" must be letters, digits and underscores`);
    }
  }

  hit(key: string, windowMs: number, now: number): Promise<RateLimitHit> {
    return guard(this.#engine, async () => {
      this.#ready ??= this.#createTable().catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
      await this.#ready;
      if (++this.#hits % this.#sweepEvery === 0) await this.#sweep(now);
      return this.#engine.upsert === "on-conflict"
        ? this.#upsertReturning(key, now + windowMs, now)
        : this.#upsertThenRead(key, now + windowMs, now);
    });
  }

  /** A window that ended starts again at one; a live one counts up. */
  #nextHits(table: string, now: number) {
    return sql`case when ${sql.ref(`${table}.reset_at`)} <= ${now} then 1 else ${sql.ref(`${table}.hits`)} + 1 end`;
  }

  #nextResetAt(table: string, now: number, resetAt: unknown) {
    return sql`case when ${sql.ref(`${table}.reset_at`)} <= ${now} then ${resetAt} else ${sql.ref(`${table}.reset_at`)} end`;
  }

  async #upsertReturning(key: string, resetAt: number, now: number): Promise<RateLimitHit> {
    const table = this.#table;
    const row = await this.#db
      .insertInto(table)
      .values({ bucket: key, hits: 1, reset_at: resetAt })
      .onConflict((conflict) =>
        conflict.column("bucket").doUpdateSet({
          hits: this.#nextHits(table, now),
          reset_at: this.#nextResetAt(table, now, sql.ref("excluded.reset_at")),
        }),
      )
      .returning(["hits", "reset_at"])
      .executeTakeFirstOrThrow();
    return { count: Number(row.hits), resetAt: Number(row.reset_at) };
  }

  // MySQL has no RETURNING. The updated count goes through LAST_INSERT_ID(expr),
  // which the same connection reads back exactly, whatever other hits run meanwhile.
  #upsertThenRead(key: string, resetAt: number, now: number): Promise<RateLimitHit> {
    const table = this.#table;
    return this.#db.connection().execute(async (connection) => {
      const result = await connection
        .insertInto(table)
        .values({ bucket: key, hits: 1, reset_at: resetAt })
        .onDuplicateKeyUpdate({
          // Assigned left to right: `reset_at` is still the old one when `hits` is computed.
          hits: sql`last_insert_id(${this.#nextHits(table, now)})`,
          reset_at: this.#nextResetAt(table, now, resetAt),
        })
        .executeTakeFirstOrThrow();
      // 1: a new row (one hit, the window given); 2: an existing row was updated.
      if (Number(result.numInsertedOrUpdatedRows) === 1) return { count: 1, resetAt };
      const row = await connection
        .selectFrom(table)
        .select([sql<number>`last_insert_id()`.as("hits"), "reset_at"])
        .where("bucket", "=", key)
        .executeTakeFirstOrThrow();
      return { count: Number(row.hits), resetAt: Number(row.reset_at) };
    });
  }

  async #createTable(): Promise<void> {
    try {
      await this.#createTableIfNotExists();
    } catch {
      // Two instances creating it at once: PostgreSQL's `if not exists` is not atomic (the
      // loser gets "type already exists" or a unique violation). Once more sees the table;
      // any other error comes back the same.
      await this.#createTableIfNotExists();
    }
  }

  async #createTableIfNotExists(): Promise<void> {
    await this.#db.schema
      .createTable(this.#table)
      .ifNotExists()
      .addColumn("bucket", "varchar(100)", (column) => column.primaryKey())
      .addColumn("hits", "integer", (column) => column.notNull())
      .addColumn("reset_at", "bigint", (column) => column.notNull())
      .execute();
  }

  async #sweep(now: number): Promise<void> {
    await this.#db.deleteFrom(this.#table).where("reset_at", "<=", now).execute();
  }
}
