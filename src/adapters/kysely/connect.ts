import { Kysely } from "kysely";
import { createSqliteDialect } from "./sqlite-dialect.js";

/** A Kysely instance opened from a URL, and the engine it speaks. */
export interface Connection {
  readonly db: Kysely<any>;
  readonly engine: "sqlite" | "postgres" | "mysql";
  /** Closes the pool or file. */
  close(): Promise<void>;
}

/**
 * Opens a database from a URL, loading its driver on demand:
 * `sqlite:path/to/file.db`, `sqlite:///abs/path.db`, `sqlite::memory:`.
 *
 * @example
 * const { db, close } = await connect(process.env.DATABASE_URL ?? "sqlite:tessera.db");
 */
export async function connect(url: string): Promise<Connection> {
  const scheme = url.slice(0, url.indexOf(":") + 1).toLowerCase();
  if (scheme === "sqlite:") return connectSqlite(sqlitePath(url));
  throw new TypeError(
    `Unsupported DATABASE_URL scheme "${scheme || url}": use sqlite:<path> or sqlite::memory:`,
  );
}

/** `sqlite:file.db`, `sqlite://file.db` and `sqlite:///abs.db` name files; `sqlite::memory:` is in memory. */
export function sqlitePath(url: string): string {
  const rest = url.slice("sqlite:".length);
  if (rest === ":memory:" || rest === "//:memory:") return ":memory:";
  if (rest.startsWith("///")) return rest.slice(2);
  if (rest.startsWith("//")) return rest.slice(2);
  return rest;
}

async function connectSqlite(path: string): Promise<Connection> {
  const { default: Database } = await importDriver<{ default: typeof import("better-sqlite3") }>(
    "better-sqlite3",
  );
  const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(path)) });
  return { db, engine: "sqlite", close: () => db.destroy() };
}

async function importDriver<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new Error(`The driver "${name}" is needed for this DATABASE_URL: npm install ${name}`, {
      cause: error,
    });
  }
}
