import type { Server } from "node:net";
import { DatabaseNotMigrated, DatabaseUnavailableError, redactUrl } from "tessera-auth";

/**
 * A setting read from the environment that cannot be used. Its message is one
 * line that starts with the variable's name and says what is accepted.
 */
export class EnvError extends Error {
  override name = "EnvError";
}

/** Opening the app's database failed: the error is DATABASE_URL's, whatever the driver said. */
export class DatabaseOpenError extends Error {
  override name = "DatabaseOpenError";
}

/** Socket-level codes that mean "nothing answers at that address". */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** The first string `code` in the error's cause chain (or in an AggregateError's errors). */
function codeOf(error: unknown, depth = 0): string | undefined {
  if (!error || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = codeOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return codeOf((error as { cause?: unknown }).cause, depth + 1);
}

/** The message of an error, on one line. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * What a server that failed to start says about it: one line that names the
 * setting at fault and what to do, never a password (the URL is masked).
 */
export function startupErrorLine(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (error instanceof EnvError || error instanceof DatabaseNotMigrated) return oneLine(error);
  const databaseUrl = redactUrl(env.DATABASE_URL ?? "sqlite:tessera.db");
  const opening = error instanceof DatabaseOpenError;
  const cause = opening ? error.cause : error;
  if (cause instanceof DatabaseNotMigrated) return oneLine(cause);
  const code = codeOf(cause);
  if (cause instanceof DatabaseUnavailableError || (code && UNREACHABLE.has(code))) {
    const why = code ?? oneLine((cause as Error).cause ?? cause);
    return `DATABASE_URL: cannot connect to ${databaseUrl} (${why}); is the server running?`;
  }
  if (opening) {
    const said = oneLine(cause);
    // connect() names DATABASE_URL itself when it cannot read the URL.
    if (said.includes("DATABASE_URL")) return said;
    return `DATABASE_URL: cannot open ${databaseUrl} (${code ? `${code}: ` : ""}${said})`;
  }
  if (error instanceof TypeError || error instanceof RangeError) return oneLine(error);
  return `${oneLine(error)} (set TESSERA_DEBUG=1 for the stack)`;
}

/** What a listen error means, naming PORT or HOST. */
export function listenErrorLine(error: unknown, port: number, hostname: string): string {
  const code = codeOf(error);
  if (code === "EADDRINUSE") {
    return `PORT: ${port} is in use on ${hostname} (EADDRINUSE); stop the other server or set PORT to a free port`;
  }
  if (code === "EACCES") {
    return `PORT: ${port} needs privileges on ${hostname} (EACCES); use a port above 1023`;
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `HOST: cannot listen on "${hostname}" (${code}); use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`;
  }
  return startupErrorLine(error);
}

/**
 * Ends a server that could not start: one line on stderr (the stack too with
 * TESSERA_DEBUG=1), exit code 1.
 */
export function exitOnStartupError(line: string, error: unknown): never {
  console.error(`tessera: ${line}`);
  if (process.env.TESSERA_DEBUG === "1") console.error(error);
  process.exit(1);
}

/** Reports a server's failure to listen (a port in use, a host not of this machine) as one line. */
export function exitOnListenError(server: Server, port: number, hostname: string): void {
  server.once("error", (error) =>
    exitOnStartupError(listenErrorLine(error, port, hostname), error),
  );
}

/** Runs a server's start; a failure ends the process with one line naming the setting. */
export async function startOrExit<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    exitOnStartupError(startupErrorLine(error), error);
  }
}
