import type { Kysely } from "kysely";
import type { IdType } from "../../models.js";
import { type Engine, engineOf } from "./engine.js";

/** How tessera's tables are named and keyed. Defaults are FastAPI Users', so its database works as is. */
export interface SchemaOptions<T extends IdType = IdType> {
  /** @default "uuid" */
  idType?: T;
  /** @default "user" */
  userTable?: string;
  /** @default "accesstoken" */
  accessTokenTable?: string;
}

/** Options resolved against a database: every name known, the engine detected. */
export interface Schema {
  readonly idType: IdType;
  readonly userTable: string;
  readonly accessTokenTable: string;
  readonly engine: Engine;
}

export function resolveSchema(db: Kysely<unknown>, options: SchemaOptions = {}): Schema {
  return {
    idType: options.idType ?? "uuid",
    userTable: options.userTable ?? "user",
    accessTokenTable: options.accessTokenTable ?? "accesstoken",
    engine: engineOf(db),
  };
}
