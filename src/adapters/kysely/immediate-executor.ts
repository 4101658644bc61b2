import type { CompiledQuery, Kysely, QueryResult } from "kysely";

/**
 * A connection that can run a query synchronously when nothing else holds it:
 * the embedded SQLite driver. The per-request token lookup uses it to skip
 * Kysely's asynchronous executor, which costs more than the query itself.
 */
export interface ImmediateExecutor {
  /** The query's result, or `undefined` when it has to wait: then run it through Kysely. */
  executeNow<R>(query: CompiledQuery): QueryResult<R> | undefined;
  /**
   * The first row of a query (`null` for none) without building a result,
   * or `undefined` when it has to wait: then run it through Kysely.
   */
  firstRowNow<R>(sql: string, parameters: readonly unknown[]): R | null | undefined;
}

const executors = new WeakMap<Kysely<any>, ImmediateExecutor>();

/** Records that `db`'s queries may also run on `executor` directly. */
export function registerImmediateExecutor(db: Kysely<any>, executor: ImmediateExecutor): void {
  executors.set(db, executor);
}

/** The immediate executor behind `db`, if it has one (only Kyselys opened by `connect` do). */
export function immediateExecutorOf(db: Kysely<any>): ImmediateExecutor | undefined {
  return executors.get(db);
}
