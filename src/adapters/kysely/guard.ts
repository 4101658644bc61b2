import { DatabaseUnavailableError } from "../../errors.js";
import { isDestroyedKysely } from "./driver-errors.js";
import type { Engine } from "./engine.js";

/**
 * Runs a database call, turning an unreachable database into
 * {@link DatabaseUnavailableError} (the HTTP layer answers 503). Drivers
 * reconnect on their own, so the next call after the database returns works.
 */
export async function guard<T>(engine: Engine, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw guarded(engine, error);
  }
}

/** The error {@link guard} throws for `error`: a {@link DatabaseUnavailableError} or itself. */
export function guarded(engine: Engine, error: unknown): unknown {
  if (engine.isUnavailable(error) || isDestroyedKysely(error)) {
    return new DatabaseUnavailableError({ cause: error });
  }
  return error;
}
