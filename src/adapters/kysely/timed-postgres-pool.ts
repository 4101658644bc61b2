import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import { DatabaseTimeoutError } from "./database-timeout-error.js";

/** The slice of a node-postgres `Pool` this wrapper uses. */
export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** The slice of a node-postgres pooled `Client` this wrapper uses. */
export interface PgPoolClient {
  query<R>(sql: string, parameters: unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  /** Back to the pool; with an error, the pool ends the client instead. */
  release(error?: Error): void;
  /** The client's protocol connection; destroying its socket fails every query in flight. */
  readonly connection: { readonly stream: { destroy(): void } };
}

/**
 * A node-postgres pool for Kysely's `PostgresDialect` whose statements fail
 * with {@link DatabaseTimeoutError} when the server does not answer within
 * `statementTimeoutMs` (0: no limit). The client of a timed-out statement has
 * its socket destroyed and is ended by the pool on release, never reused: a
 * server that stopped answering leaves no stuck connection behind, and the
 * next query opens a new one. Acquiring is bounded by pg-pool itself
 * (`connectionTimeoutMillis`).
 */
export class TimedPostgresPool implements PostgresPool {
  readonly #pool: PgPool;
  readonly #statementTimeoutMs: number;
  // One wrapper per pg client, so Kysely (which keys its connections by
  // client) sees the same object on every checkout.
  readonly #clients = new WeakMap<PgPoolClient, TimedPostgresClient>();

  constructor(pool: PgPool, statementTimeoutMs: number) {
    this.#pool = pool;
    this.#statementTimeoutMs = statementTimeoutMs;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let timed = this.#clients.get(client);
    if (timed === undefined) {
      timed = new TimedPostgresClient(client, this.#statementTimeoutMs);
      this.#clients.set(client, timed);
    }
    return timed;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

class TimedPostgresClient implements PostgresPoolClient {
  readonly #client: PgPoolClient;
  readonly #timeoutMs: number;
  #timedOut: DatabaseTimeoutError | undefined;

  constructor(client: PgPoolClient, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sql: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== "string") return this.#client.query(sql);
    // Kysely hands a fresh copy of the parameters: no need to copy again.
    const values = parameters as unknown[];
    if (this.#timeoutMs <= 0) return this.#client.query<R>(sql, values);
    const timer = setTimeout(this.#expire, this.#timeoutMs);
    return this.#client.query<R>(sql, values).then(
      (result) => {
        clearTimeout(timer);
        return result;
      },
      (error: unknown) => {
        clearTimeout(timer);
        throw this.#timedOut ?? error;
      },
    );
  }

  release(): void {
    this.#client.release(this.#timedOut);
  }

  readonly #expire = (): void => {
    this.#timedOut ??= new DatabaseTimeoutError("statement", this.#timeoutMs);
    // The queries in flight now fail ("Connection terminated"), reported
    // above as the timeout; the client is no longer queryable.
    this.#client.connection.stream.destroy();
  };
}
