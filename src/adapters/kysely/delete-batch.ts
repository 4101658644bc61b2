import type { DeleteResult, Expression, ExpressionBuilder, Kysely, SqlBool } from "kysely";
import { deleteInBatches } from "../../sessions/delete-in-batches.js";
import type { Engine } from "./engine.js";
import { guard } from "./guard.js";

/**
 * Deletes every row of `table` matching `where`: in one statement, or with
 * `batchSize` in batches ({@link deleteBatch}, {@link deleteInBatches}).
 * Returns how many went. What both stores' `deleteExpired` do.
 */
export function deleteMatching(
  db: Kysely<any>,
  engine: Engine,
  table: string,
  where: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>,
  options: { batchSize?: number; dutyCycle?: number },
): Promise<number> {
  const { batchSize, dutyCycle } = options;
  if (batchSize === undefined) {
    return guard(engine, async () =>
      Number((await db.deleteFrom(table).where(where).executeTakeFirst()).numDeletedRows),
    );
  }
  return deleteInBatches(
    () =>
      guard(engine, async () =>
        Number((await deleteBatch(db, engine, table, where, batchSize)).numDeletedRows),
      ),
    batchSize,
    dutyCycle,
  );
}

/**
 * Deletes at most `size` rows of `table` that match `where` (the table's
 * primary key is `token`), in one statement that reaches them through an
 * index: MySQL's own `DELETE … LIMIT`; elsewhere the keys of one batch,
 * selected with a `LIMIT` (SQLite and PostgreSQL have no `DELETE … LIMIT`).
 * MySQL is not given the subquery form: it takes no `LIMIT` in an `IN`
 * subquery on the table it deletes from, and a derived table makes it scan
 * every matching row per batch.
 */
export function deleteBatch(
  db: Kysely<any>,
  engine: Engine,
  table: string,
  where: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>,
  size: number,
): Promise<DeleteResult> {
  if (engine.name === "mysql") {
    return db.deleteFrom(table).where(where).limit(size).executeTakeFirst();
  }
  const batch = db.selectFrom(table).select("token").where(where).limit(size);
  return db.deleteFrom(table).where("token", "in", batch).executeTakeFirst();
}
