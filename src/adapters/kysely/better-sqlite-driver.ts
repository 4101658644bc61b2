import { setTimeout as sleep } from "node:timers/promises";
import {
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Driver,
  IdentifierNode,
  type QueryCompiler,
  type QueryResult,
  RawNode,
  SelectQueryNode,
  type SqliteStatement,
} from "kysely";
import type { ImmediateExecutor } from "./immediate-executor.js";
import type { BetterSqliteDatabase } from "./sqlite-dialect.js";

/** A better-sqlite3 statement: Kysely's view of it, and `get` (the first row only). */
type Statement = SqliteStatement & { get(parameters: ReadonlyArray<unknown>): unknown };

/** Longest pause between two tries of a statement that found the database locked. */
const MAX_BACKOFF_MS = 50;

export interface BetterSqliteDriverOptions {
  /** Milliseconds a statement outside a transaction retries while another process holds the lock. */
  readonly busyTimeout: number;
  /** Prepared statements kept for reuse. */
  readonly statementCacheSize: number;
}

/**
 * Kysely's SQLite driver for better-sqlite3 (one connection, held by one
 * caller at a time), with two changes for a server:
 *
 * - Prepared statements are cached, not prepared on every query.
 * - A statement that finds the file locked by another process (SQLITE_BUSY)
 *   is retried on timers, 1 ms doubling to 50 ms, until `busyTimeout` has
 *   passed, instead of waiting in SQLite's busy handler, which sleeps in the
 *   calling thread and so would freeze the whole server. Inside a transaction
 *   a BUSY is thrown at once: the caller rolls back. Between tries the
 *   connection is lent to the callers waiting for it (in WAL mode reads never
 *   wait for a writer), so outside a transaction the statements of one hold
 *   must run one after another, never in `Promise.all`.
 *
 * The database's `busy_timeout` must be 0 (`createSqliteDialect` sets it).
 */
export class BetterSqliteDriver implements Driver, ImmediateExecutor {
  readonly #lock = new ConnectionLock();
  readonly #connection: BetterSqliteConnection;
  readonly #acquired: Promise<DatabaseConnection>;
  #destroyed = false;

  constructor(database: BetterSqliteDatabase, options: BetterSqliteDriverOptions) {
    this.#connection = new BetterSqliteConnection(database, this.#lock, options);
    this.#acquired = Promise.resolve(this.#connection);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return this.#lock.tryTake() ? this.#acquired : this.#lock.take().then(() => this.#connection);
  }

  /**
   * Runs the query now if the connection is free (no transaction or query of
   * another caller holds it) and the file is not locked; `undefined` otherwise.
   */
  executeNow<R>(query: CompiledQuery): QueryResult<R> | undefined {
    if (this.#destroyed || !this.#lock.tryTake()) return undefined;
    try {
      return this.#connection.executeNow<R>(query);
    } finally {
      this.#lock.give();
    }
  }

  firstRowNow<R>(sql: string, parameters: readonly unknown[]): R | null | undefined {
    if (this.#destroyed || !this.#lock.tryTake()) return undefined;
    try {
      return this.#connection.firstRowNow<R>(sql, parameters);
    } finally {
      this.#lock.give();
    }
  }

  releaseConnection(): Promise<void> {
    this.#lock.give();
    return DONE;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await connection.executeQuery(compile(savepointCommand("savepoint", name), createQueryId()));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await connection.executeQuery(compile(savepointCommand("rollback to", name), createQueryId()));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await connection.executeQuery(compile(savepointCommand("release", name), createQueryId()));
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#connection.close();
  }
}

const DONE = Promise.resolve();

function savepointCommand(command: string, name: string): RawNode {
  return RawNode.createWithChildren([
    RawNode.createWithSql(`${command} `),
    IdentifierNode.create(name),
  ]);
}

class BetterSqliteConnection implements DatabaseConnection {
  readonly #database: BetterSqliteDatabase;
  readonly #lock: ConnectionLock;
  readonly #busyTimeout: number;
  readonly #cacheSize: number;
  readonly #statements = new Map<string, Statement>();

  constructor(
    database: BetterSqliteDatabase,
    lock: ConnectionLock,
    options: BetterSqliteDriverOptions,
  ) {
    this.#database = database;
    this.#lock = lock;
    this.#busyTimeout = Math.max(0, options.busyTimeout);
    this.#cacheSize = options.statementCacheSize;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.#execute<R>(query));
    } catch (error) {
      if (this.#busyTimeout > 0 && isBusy(error) && !this.#database.inTransaction) {
        return this.#retry<R>(query, error);
      }
      return Promise.reject(error);
    }
  }

  /** The query's result, or `undefined` if the file is locked (the caller then waits its turn). */
  executeNow<R>(query: CompiledQuery): QueryResult<R> | undefined {
    try {
      return this.#execute<R>(query);
    } catch (error) {
      if (isBusy(error)) return undefined;
      throw error;
    }
  }

  /** The first row (`null` for none), or `undefined` if the file is locked. */
  firstRowNow<R>(sql: string, parameters: readonly unknown[]): R | null | undefined {
    try {
      return (this.#prepare(sql).get(parameters) as R | undefined) ?? null;
    } catch (error) {
      if (isBusy(error)) return undefined;
      throw error;
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) {
      throw new Error("Sqlite driver only supports streaming of select queries");
    }
    for (const row of this.#prepare(query.sql).iterate(query.parameters)) {
      yield { rows: [row as R] };
    }
  }

  close(): void {
    this.#statements.clear();
    this.#database.close();
  }

  #execute<R>({ sql, parameters }: CompiledQuery): QueryResult<R> {
    const statement = this.#prepare(sql);
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return {
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId:
        lastInsertRowid !== undefined && lastInsertRowid !== null
          ? BigInt(lastInsertRowid)
          : undefined,
      rows: [],
    };
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#database.prepare(sql) as Statement;
      // Oldest first out: Map iterates in insertion order.
      if (this.#statements.size >= this.#cacheSize) {
        this.#statements.delete(this.#statements.keys().next().value as string);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async #retry<R>(query: CompiledQuery, busy: unknown): Promise<QueryResult<R>> {
    const deadline = performance.now() + this.#busyTimeout;
    for (let backoff = 1; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      const left = deadline - performance.now();
      if (left <= 0) throw busy;
      // The caller holds the lock (Kysely's statements of one hold run one
      // after another): others may use the connection while this one sleeps.
      this.#lock.give();
      try {
        await sleep(Math.min(backoff, left));
      } finally {
        await this.#lock.take();
      }
      // A borrower left a transaction open (a failed rollback): never join it.
      if (this.#database.inTransaction) throw busy;
      try {
        return this.#execute<R>(query);
      } catch (error) {
        if (!isBusy(error)) throw error;
        busy = error;
      }
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * Who may use the one connection: a FIFO lock, taken for the whole of a
 * Kysely hold (a query, a transaction, `db.connection()`), and handed from
 * one holder straight to the next.
 */
class ConnectionLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  /** Takes the lock if it is free. */
  tryTake(): boolean {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }

  /** Takes the lock once every earlier taker has given it back. */
  take(): Promise<void> {
    if (this.tryTake()) return DONE;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives the lock to the next waiter, or frees it. */
  give(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#held = false;
    else next();
  }
}
