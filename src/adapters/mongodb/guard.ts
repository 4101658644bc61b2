import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from "mongodb";
import { DatabaseUnavailableError } from "../../core/errors.js";
import { isNetworkError } from "../kysely/driver-errors.js";

/**
 * Runs a MongoDB call, turning an unreachable server into
 * {@link DatabaseUnavailableError} (the HTTP layer answers 503). The driver
 * reconnects on its own, so the next call after the server returns works.
 */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw guarded(error);
  }
}

/** The error {@link guard} throws for `error`. */
export function guarded(error: unknown): unknown {
  return isUnavailable(error) ? new DatabaseUnavailableError({ cause: error }) : error;
}

function isUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoServerClosedError ||
    // The driver lets a socket's own error through when the server goes mid-write (EPIPE).
    isNetworkError(error)
  );
}

/**
 * A write refused by a unique index: MongoDB's code 11000, or FerretDB's
 * PostgreSQL error as it reports it for an update (code 1, SQLSTATE 23505).
 */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  return error.code === 11000 || (error.code === 1 && /\(SQLSTATE 23505\)/.test(error.message));
}
