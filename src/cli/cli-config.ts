import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { MigrateOptions } from "../adapters/kysely/migrate-to-latest.js";
import type { IdType } from "../core/models.js";
import { resolveUserFields } from "../users/user-fields.js";
import { CliError } from "./cli-error.js";

/**
 * The names and id type of the app's tables, as `migrateToLatest` takes them;
 * on MongoDB the table names are the collections' (`userTable` is
 * `mongoAdapter`'s `userCollection`, and so on) and `idType` is `"objectid"`
 * (its default there) or `"uuid"`. `migrationTable` and `revocationLogTable`
 * are SQL's alone.
 */
export interface CliSchema extends Omit<MigrateOptions, "idType"> {
  /** @default "uuid" on SQL, "objectid" on MongoDB */
  idType?: IdType | "objectid";
}

/**
 * What the CLI needs to know of an app: the same table names, id type and
 * token lifetime the app gives `kyselyAdapter` and `migrateToLatest` (or
 * `mongoAdapter` and `ensureIndexes`) and its strategy. Written as `tessera.config.json`, or as `tessera.config.mjs` /
 * `.js` whose default export is this object (the app can import the same
 * module for its own options).
 *
 * @example
 * // tessera.config.json
 * { "userTable": "app_user", "accessTokenTable": "app_token", "idType": "integer", "lifetimeSeconds": 86400,
 *   "userFields": { "displayName": { "type": "string", "maxLength": 80 } } }
 */
export interface CliConfig extends CliSchema {
  /** The database when `DATABASE_URL` is not set. @default "sqlite:tessera.db" */
  databaseUrl?: string;
  /** Seconds a token lives: what `tokens purge` deletes past. @default 3600 */
  lifetimeSeconds?: number;
  /** The app's idle timeout: `tokens purge` also deletes sessions unused this long. @default none */
  idleTimeoutSeconds?: number;
  /** Seconds a refresh token lives: `tokens purge` deletes older ones. @default 2592000 */
  refreshLifetimeSeconds?: number;
}

/** The files looked for in the working directory when no `--config` is given. */
export const CONFIG_FILES = ["tessera.config.json", "tessera.config.mjs", "tessera.config.js"];

const KEYS: Record<keyof CliConfig, "string" | "number" | "object"> = {
  databaseUrl: "string",
  userTable: "string",
  accessTokenTable: "string",
  refreshTokenTable: "string",
  sessionTable: "string",
  revocationLogTable: "string",
  oauthAccountTable: "string",
  totpSecretTable: "string",
  recoveryCodeTable: "string",
  passkeyTable: "string",
  idType: "string",
  migrationTable: "string",
  lifetimeSeconds: "number",
  idleTimeoutSeconds: "number",
  refreshLifetimeSeconds: "number",
  userFields: "object",
};

/** The configuration file the CLI uses, and what it says (`{}` without one). */
export interface LoadedConfig {
  readonly file: string | null;
  readonly config: CliConfig;
}

/** Reads `--config <path>`, else the first of {@link CONFIG_FILES} in `cwd`, else none. */
export async function loadCliConfig(path: string | undefined, cwd: string): Promise<LoadedConfig> {
  const file =
    path !== undefined
      ? resolve(cwd, path)
      : (CONFIG_FILES.map((name) => resolve(cwd, name)).find((candidate) =>
          existsSync(candidate),
        ) ?? null);
  if (file === null) return { file, config: {} };
  if (!existsSync(file)) throw new CliError(`no configuration file at ${file}`, 2);
  return { file, config: check(await read(file), file) };
}

async function read(file: string): Promise<unknown> {
  try {
    if (file.endsWith(".json")) return JSON.parse(readFileSync(file, "utf8"));
    return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : error}`, 2);
  }
}

function check(value: unknown, file: string): CliConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(`${file} must hold an object`, 2);
  }
  for (const [key, given] of Object.entries(value)) {
    const expected = KEYS[key as keyof CliConfig];
    if (expected === undefined) {
      throw new CliError(
        `${file}: unknown option "${key}"; the options are ${Object.keys(KEYS).join(", ")}`,
        2,
      );
    }
    if (typeof given !== expected || given === null || Array.isArray(given)) {
      throw new CliError(
        `${file}: "${key}" must be a ${expected}, got ${JSON.stringify(given)}`,
        2,
      );
    }
  }
  const config = value as CliConfig;
  try {
    resolveUserFields(config.userFields);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`, 2);
  }
  return config;
}
