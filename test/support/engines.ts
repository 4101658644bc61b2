/** The SQL engines the suites run on, and where their test servers are. */
export type EngineName = "sqlite" | "postgres" | "mysql";
export type ServerEngine = Exclude<EngineName, "sqlite">;

export const ENGINES: readonly EngineName[] = ["sqlite", "postgres", "mysql"];

/** What the global setup found for one engine, handed to its tests through `inject("engine")`. */
export interface EngineStatus {
  engine: EngineName;
  available: boolean;
  /** Why the engine is unavailable. */
  reason?: string;
  /** Names this run's databases, so that two runs on one server never share one. */
  runId: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    engine: EngineStatus;
  }
}

/** `TESSERA_ENGINES=sqlite,postgres` picks engines; all by default. */
export function selectedEngines(env: NodeJS.ProcessEnv = process.env): EngineName[] {
  const raw = env.TESSERA_ENGINES?.trim();
  if (!raw) return [...ENGINES];
  const names = raw.split(",").map((name) => name.trim().toLowerCase());
  for (const name of names) {
    if (!ENGINES.includes(name as EngineName)) {
      throw new Error(`TESSERA_ENGINES: unknown engine "${name}" (known: ${ENGINES.join(", ")})`);
    }
  }
  return names as EngineName[];
}

/** The frameworks besides Hono the HTTP suite also runs on (on SQLite). */
export const OTHER_FRAMEWORKS = ["express", "express4", "fastify", "fastify4"] as const;

/** `TESSERA_FRAMEWORKS=express,fastify` picks them; all by default, `none` for none. */
export function selectedFrameworks(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.TESSERA_FRAMEWORKS?.trim();
  if (!raw) return [...OTHER_FRAMEWORKS];
  if (raw === "none") return [];
  const names = raw.split(",").map((name) => name.trim().toLowerCase());
  for (const name of names) {
    if (!(OTHER_FRAMEWORKS as readonly string[]).includes(name)) {
      throw new Error(
        `TESSERA_FRAMEWORKS: unknown framework "${name}" (known: ${OTHER_FRAMEWORKS.join(", ")})`,
      );
    }
  }
  return names;
}

/**
 * The test server's URL. Its database is the base for this run's databases
 * (`<base>_r<run>_w<worker>`), which the user must be allowed to create:
 * `.ci/setup-databases` creates the user and grants that.
 */
export function serverUrl(engine: ServerEngine, env: NodeJS.ProcessEnv = process.env): string {
  return engine === "postgres"
    ? (env.TESSERA_TEST_POSTGRES_URL ??
        "postgres://tessera_test:tessera_test@127.0.0.1:5432/tessera_test")
    : (env.TESSERA_TEST_MYSQL_URL ??
        "mysql://tessera_test:tessera_test@127.0.0.1:3306/tessera_test");
}

/** The same server URL, on another database. */
export function urlForDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The database named in a URL. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
