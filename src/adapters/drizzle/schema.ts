import type { IdType } from "../../core/models.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import type { Engine } from "../kysely/engine.js";
import { type AnyDrizzle, engineOfDrizzle } from "./drizzle-engine.js";
import {
  type DrizzleEngine,
  type DrizzleTableOptions,
  type DrizzleTables,
  drizzleTables,
  resolveTableOptions,
} from "./tables.js";

/** What the Drizzle stores share: the engine, its traits, the tables and the options resolved. */
export interface DrizzleSchema {
  readonly engine: DrizzleEngine;
  readonly traits: Engine;
  readonly idType: IdType;
  readonly tables: DrizzleTables;
  readonly userFields: readonly ResolvedUserField[];
  /** Names the prepared statements of this table set (PostgreSQL keys them by name per connection). */
  readonly statementPrefix: string;
}

export function resolveDrizzleSchema(
  db: AnyDrizzle,
  options: DrizzleTableOptions & { tables?: DrizzleTables } = {},
): DrizzleSchema {
  const { name, traits } = engineOfDrizzle(db);
  const resolved = resolveTableOptions(name, options);
  return {
    engine: name,
    traits,
    idType: resolved.idType,
    tables: options.tables ?? drizzleTables(name, options),
    userFields: resolved.userFields,
    statementPrefix: `tessera_${resolved.userTable}_${resolved.accessTokenTable}`,
  };
}
