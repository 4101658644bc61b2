/** The `code` property of a driver error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The message of an error, or "". */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

/** Socket-level failures every network driver reports alike: the server is gone or unreachable. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EAI_AGAIN",
]);

/** The error, or one of its causes, is a socket-level failure. */
export function isNetworkError(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (NETWORK_CODES.has(errorCode(e) ?? "")) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isNetworkError(inner))) return true;
  }
  return false;
}

/**
 * Kysely was destroyed (the application is shutting down) while a request still
 * needed it: the service is going away, which is a 503 like a lost server.
 */
export function isDestroyedKysely(error: unknown): boolean {
  return errorMessage(error) === "driver has already been destroyed";
}

/** The server chose this statement as a deadlock's victim and rolled it back (MySQL, PostgreSQL). */
export function isDeadlock(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ER_LOCK_DEADLOCK" || code === "40P01";
}
