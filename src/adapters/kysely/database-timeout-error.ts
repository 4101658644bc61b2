/**
 * The database did not answer in time: no pooled connection came free
 * (`acquire`), or a statement got no answer (`statement`). A connection whose
 * statement timed out has already been destroyed, never returned to the pool.
 * The engines count it as unavailable, so `guard()` answers 503.
 */
export class DatabaseTimeoutError extends Error {
  override name = "DatabaseTimeoutError";
  readonly code = "TESSERA_DATABASE_TIMEOUT";

  constructor(
    readonly phase: "acquire" | "statement",
    readonly timeoutMs: number,
  ) {
    super(
      phase === "acquire"
        ? `No database connection came free within ${timeoutMs} ms`
        : `The database did not answer a statement within ${timeoutMs} ms`,
    );
  }
}
