import {
  bigint,
  boolean,
  doublePrecision,
  integer,
  pgTable,
  text,
  timestamp,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import type { ColumnKit } from "./build-tables.js";

/** PostgreSQL: native `uuid` ids (or integer identity), `timestamptz`, booleans. */
export const postgresColumns: ColumnKit = {
  table: pgTable,
  primaryId: (options) =>
    options.idType === "integer"
      ? integer("id").primaryKey().generatedByDefaultAsIdentity()
      : postgresColumns.userId("id", options).primaryKey(),
  userId: (name, { idType }) =>
    idType === "uuid"
      ? uuid(name)
      : idType === "integer"
        ? integer(name)
        : varchar(name, { length: 255 }),
  uuid: (name) => uuid(name),
  text: (name) => text(name),
  string: (name, length) => varchar(name, { length }),
  integer: (name) => integer(name),
  bigint: (name) => bigint(name, { mode: "number" }),
  number: (name) => doublePrecision(name),
  boolean: (name) => boolean(name),
  timestamp: (name) => timestamp(name, { withTimezone: true, mode: "string" }),
  encodeBoolean: (value) => value,
};
