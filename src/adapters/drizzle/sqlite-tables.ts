import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ResolvedUserField } from "../../user-fields.js";
import { withDefault } from "./field-default.js";
import type { DrizzleTables, ResolvedTableOptions } from "./tables.js";

/** The tables on SQLite: ids `char(36)` (or integer), dates naive UTC text, booleans 0 or 1. */
export function sqliteTables(options: ResolvedTableOptions): DrizzleTables {
  const id = (name: string) =>
    options.idType === "integer" ? integer(name) : text(name, { length: idLength(options) });
  const user = sqliteTable(options.userTable, {
    id:
      options.idType === "integer"
        ? integer("id").primaryKey({ autoIncrement: true })
        : text("id").primaryKey(),
    email: text("email").notNull(),
    hashed_password: text("hashed_password").notNull(),
    is_active: integer("is_active").notNull(),
    is_superuser: integer("is_superuser").notNull(),
    is_verified: integer("is_verified").notNull(),
    security_stamp: integer("security_stamp").notNull().default(0),
    ...Object.fromEntries(
      options.userFields.map((field) => [
        field.column,
        withDefault(fieldColumn(field), field, Number),
      ]),
    ),
    ...options.extraUserColumns,
  });
  const accessToken = sqliteTable(options.accessTokenTable, {
    token: text("token").primaryKey(),
    created_at: text("created_at").notNull(),
    user_id: id("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    security_stamp: integer("security_stamp").notNull().default(0),
    ip: text("ip"),
    user_agent: text("user_agent"),
    label: text("label"),
    last_used_at: text("last_used_at"),
    family: text("family"),
  });
  const refreshToken = sqliteTable(options.refreshTokenTable, {
    token: text("token").primaryKey(),
    family: text("family").notNull(),
    user_id: id("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    security_stamp: integer("security_stamp").notNull(),
    created_at: text("created_at").notNull(),
    used_at: text("used_at"),
    session_created_at: text("session_created_at").notNull(),
    ip: text("ip"),
    user_agent: text("user_agent"),
    label: text("label"),
  });
  return { user, accessToken, refreshToken };
}

function idLength({ idType }: ResolvedTableOptions): number {
  return idType === "uuid" ? 36 : 255;
}

function fieldColumn(field: ResolvedUserField) {
  switch (field.type) {
    case "string":
      return text(field.column);
    case "integer":
    case "boolean":
      return integer(field.column);
    case "number":
      return real(field.column);
  }
}
