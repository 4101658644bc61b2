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

/**
 * Runs `gates` in order on one transaction, each of which must touch exactly
 * one row, then `rest`: all or none. Stops at the first gate that touched
 * none (what it did before stays; a gate changes nothing a reader relies on)
 * and answers its index, or `-1` when every gate passed and `rest` ran.
 */
export async function inGatedTransaction(
  db: AnyDrizzle,
  schema: DrizzleSchema,
  plan: (tx: AnyDrizzle) => { gates: unknown[]; rest: unknown[] },
): Promise<number> {
  if (schema.engine === "sqlite") {
    return db.transaction(
      (tx: AnyDrizzle) => {
        const { gates, rest } = plan(tx);
        for (const [index, gate] of gates.entries()) {
          if (affectedRows((gate as { run(): unknown }).run()) !== 1) return index;
        }
        for (const statement of rest) (statement as { run(): unknown }).run();
        return -1;
      },
      { behavior: "immediate" },
    );
  }
  return db.transaction(async (tx: AnyDrizzle) => {
    const { gates, rest } = plan(tx);
    for (const [index, gate] of gates.entries()) {
      if (affectedRows(await gate) !== 1) return index;
    }
    for (const statement of rest) await statement;
    return -1;
  });
}

/** Runs `statements` in order on one transaction, all or none; answers the rows each touched. */
export async function inTransactionAll(
  db: AnyDrizzle,
  schema: DrizzleSchema,
  statements: (tx: AnyDrizzle) => unknown[],
): Promise<number[]> {
  if (schema.engine === "sqlite") {
    return db.transaction(
      (tx: AnyDrizzle) =>
        statements(tx).map((statement) => affectedRows((statement as { run(): unknown }).run())),
      { behavior: "immediate" },
    );
  }
  return db.transaction(async (tx: AnyDrizzle) => {
    const counts: number[] = [];
    for (const statement of statements(tx)) counts.push(affectedRows(await statement));
    return counts;
  });
}
