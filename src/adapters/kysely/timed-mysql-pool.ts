import type {
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryResult,
  MysqlStream,
  MysqlStreamOptions,
} from "kysely";
import { DatabaseTimeoutError } from "./database-timeout-error.js";

type QueryCallback = (error: unknown, result: MysqlQueryResult) => void;
type Streamable = { stream: <T>(options: MysqlStreamOptions) => MysqlStream<T> };

/** The slice of a mysql2 pooled connection this wrapper uses. */
export interface Mysql2PoolConnection extends MysqlPoolConnection {
  /** Removes the connection from its pool and closes it. */
  destroy(): void;
  /** The socket; destroyed at once, without waiting for a silent server. */
  readonly stream: { destroy(): void };
}

/** The slice of a mysql2 (callback) `Pool` this wrapper uses. */
export interface Mysql2Pool {
  getConnection(callback: (error: unknown, connection: Mysql2PoolConnection) => void): void;
  end(callback: (error: unknown) => void): void;
}

/**
 * A mysql2 pool for Kysely's `MysqlDialect` with the two timeouts mysql2
 * lacks: waiting for a free connection fails after `acquireTimeoutMs`, and a
 * statement the server does not answer within `statementTimeoutMs` fails, both
 * with {@link DatabaseTimeoutError} (0: no limit). The connection of a
 * timed-out statement is destroyed, never returned to the pool (mysql2's own
 * query `timeout` leaves it waiting for the lost answer).
 */
export class TimedMysqlPool implements MysqlPool {
  readonly #pool: Mysql2Pool;
  readonly #acquireTimeoutMs: number;
  readonly #statementTimeoutMs: number;
  // One wrapper per mysql2 connection: Kysely keys its connections (and runs
  // `onCreateConnection` once) by the object it gets here.
  readonly #connections = new WeakMap<Mysql2PoolConnection, TimedMysqlConnection>();

  constructor(pool: Mysql2Pool, acquireTimeoutMs: number, statementTimeoutMs: number) {
    this.#pool = pool;
    this.#acquireTimeoutMs = acquireTimeoutMs;
    this.#statementTimeoutMs = statementTimeoutMs;
  }

  getConnection(callback: (error: unknown, connection: MysqlPoolConnection) => void): void {
    const timeoutMs = this.#acquireTimeoutMs;
    if (timeoutMs <= 0) {
      this.#pool.getConnection((error, connection) =>
        callback(error, error ? connection : this.#wrap(connection)),
      );
      return;
    }
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      timer = undefined;
      callback(new DatabaseTimeoutError("acquire", timeoutMs), undefined as never);
    }, timeoutMs);
    this.#pool.getConnection((error, connection) => {
      if (timer === undefined) {
        // Given up on already: hand it to the next in line.
        if (!error) connection.release();
        return;
      }
      clearTimeout(timer);
      timer = undefined;
      callback(error, error ? connection : this.#wrap(connection));
    });
  }

  end(callback: (error: unknown) => void): void {
    this.#pool.end(callback);
  }

  #wrap(connection: Mysql2PoolConnection): TimedMysqlConnection {
    let timed = this.#connections.get(connection);
    if (timed === undefined) {
      timed = new TimedMysqlConnection(connection, this.#statementTimeoutMs);
      this.#connections.set(connection, timed);
    }
    return timed;
  }
}

class TimedMysqlConnection implements MysqlPoolConnection {
  readonly #connection: Mysql2PoolConnection;
  readonly #timeoutMs: number;
  #destroyed = false;

  constructor(connection: Mysql2PoolConnection, timeoutMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
  }

  query(sql: string, parameters: unknown[]): Streamable;
  query(sql: string, parameters: unknown[], callback: QueryCallback): void;
  query(sql: string, parameters: unknown[], callback?: QueryCallback): Streamable | undefined {
    // Streams (no callback) keep mysql2's behaviour.
    if (callback === undefined) return this.#connection.query(sql, parameters);
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs <= 0) {
      this.#connection.query(sql, parameters, callback);
      return;
    }
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      timer = undefined;
      this.#destroy();
      callback(new DatabaseTimeoutError("statement", timeoutMs), undefined as never);
    }, timeoutMs);
    this.#connection.query(sql, parameters, (error, result) => {
      // A late answer, after the timeout was reported, is dropped.
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      callback(error, result);
    });
  }

  release(): void {
    // A destroyed connection has left the pool already; this is a no-op for it.
    this.#connection.release();
  }

  #destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    // mysql2's destroy() only half-closes the socket (and a silent server may
    // never finish closing it); it also stops notifying the pending command.
    this.#connection.destroy();
    this.#connection.stream.destroy();
  }
}
