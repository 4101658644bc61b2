import { type AnyDrizzle, affectedRows } from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";

/** Statements to run in one transaction: `lead` first, the rest only if `proceed` says so. */
export interface TransactionPlan {
  lead: unknown;
  /** Given the rows `lead` touched. @default always */
  proceed?: (affected: number) => boolean;
  rest: unknown[];
}

/**
 * Runs the statements `plan` builds on the transaction, all or none, and
 * answers how many rows `lead` touched. On better-sqlite3 the transaction is
 * synchronous (its transactions cannot span an `await`, and an `immediate`
 * one takes the write lock at once); elsewhere Drizzle's async transaction.
 */
export function inTransaction(
  db: AnyDrizzle,
  schema: DrizzleSchema,
  plan: (tx: AnyDrizzle) => TransactionPlan,
): Promise<number> {
  if (schema.engine === "sqlite") {
    const affected: number = db.transaction(
      (tx: AnyDrizzle) => {
        const { lead, proceed = () => true, rest } = plan(tx);
        const count = affectedRows((lead as { run(): unknown }).run());
        if (proceed(count)) for (const statement of rest) (statement as { run(): unknown }).run();
        return count;
      },
      { behavior: "immediate" },
    );
    return Promise.resolve(affected);
  }
  return db.transaction(async (tx: AnyDrizzle) => {
    const { lead, proceed = () => true, rest } = plan(tx);
    const count = affectedRows(await lead);
    if (proceed(count)) for (const statement of rest) await statement;
    return count;
  });
}
