import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ColumnKit } from "./build-tables.js";

/** SQLite: ids as text (or integer), dates as naive UTC text, booleans 0 or 1. */
export const sqliteColumns: ColumnKit = {
  table: sqliteTable,
  primaryId: ({ idType }) =>
    idType === "integer"
      ? integer("id").primaryKey({ autoIncrement: true })
      : text("id").primaryKey(),
  userId: (name, { idType }) => (idType === "integer" ? integer(name) : text(name)),
  uuid: (name) => text(name),
  text: (name) => text(name),
  string: (name) => text(name),
  integer: (name) => integer(name),
  bigint: (name) => integer(name),
  number: (name) => real(name),
  boolean: (name) => integer(name),
  timestamp: (name) => text(name),
  encodeBoolean: (value) => (value ? 1 : 0),
};
