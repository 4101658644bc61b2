import { DatabaseNotMigrated, DatabaseUnavailableError } from "../../core/errors.js";
import { errorMessage, isDeadlock, isDestroyedKysely } from "./driver-errors.js";
import type { Engine } from "./engine.js";

/** Runs of a call that a deadlock may cost before its error goes up. */
const DEADLOCK_ATTEMPTS = 5;

/**
 * Runs a database call, turning an unreachable database into
 * {@link DatabaseUnavailableError} (the HTTP layer answers 503). Drivers
 * reconnect on their own, so the next call after the database returns works.
 *
 * A deadlock victim is run again: the server rolled its statement back, and
 * every call guarded here runs its statements outside a transaction, each
 * one a read, an idempotent write, or a write that comes last. Concurrent
 * logins of one user (an insert against a trim of the same user's rows) can
 * deadlock on InnoDB and PostgreSQL.
 */
export async function guard<T>(engine: Engine, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt < DEADLOCK_ATTEMPTS && isDeadlock(error)) continue;
      throw guarded(engine, error);
    }
  }
}

/**
 * The error {@link guard} throws for `error`: a {@link DatabaseUnavailableError},
 * a {@link DatabaseNotMigrated} (a table or column is missing), or itself.
 */
export function guarded(engine: Engine, error: unknown): unknown {
  if (engine.isUnavailable(error) || isDestroyedKysely(error)) {
    return new DatabaseUnavailableError({ cause: error });
  }
  if (engine.isMissingSchema(error)) {
    // The driver's message names the table or column, and no parameter.
    return new DatabaseNotMigrated(errorMessage(error), undefined, { cause: error });
  }
  return error;
}
