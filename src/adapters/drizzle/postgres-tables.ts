import {
  boolean,
  doublePrecision,
  integer,
  pgTable,
  timestamp,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import type { ResolvedUserField } from "../../user-fields.js";
import { withDefault } from "./field-default.js";
import type { DrizzleTables, ResolvedTableOptions } from "./tables.js";

/** The tables on PostgreSQL: native `uuid` ids (or integer identity), `timestamptz`, booleans. */
export function postgresTables(options: ResolvedTableOptions): DrizzleTables {
  const id = (name: string) =>
    options.idType === "uuid"
      ? uuid(name)
      : options.idType === "integer"
        ? integer(name)
        : varchar(name, { length: 255 });
  const at = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });
  const user = pgTable(options.userTable, {
    id:
      options.idType === "integer"
        ? integer("id").primaryKey().generatedByDefaultAsIdentity()
        : id("id").primaryKey(),
    email: varchar("email", { length: 320 }).notNull(),
    hashed_password: varchar("hashed_password", { length: 1024 }).notNull(),
    is_active: boolean("is_active").notNull(),
    is_superuser: boolean("is_superuser").notNull(),
    is_verified: boolean("is_verified").notNull(),
    security_stamp: integer("security_stamp").notNull().default(0),
    ...Object.fromEntries(
      options.userFields.map((field) => [field.column, withDefault(fieldColumn(field), field)]),
    ),
    ...options.extraUserColumns,
  });
  const accessToken = pgTable(options.accessTokenTable, {
    token: varchar("token", { length: 43 }).primaryKey(),
    created_at: at("created_at").notNull(),
    user_id: id("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    security_stamp: integer("security_stamp").notNull().default(0),
    ip: varchar("ip", { length: 45 }),
    user_agent: varchar("user_agent", { length: 512 }),
    label: varchar("label", { length: 100 }),
    last_used_at: at("last_used_at"),
    family: varchar("family", { length: 43 }),
  });
  const refreshToken = pgTable(options.refreshTokenTable, {
    token: varchar("token", { length: 43 }).primaryKey(),
    family: varchar("family", { length: 43 }).notNull(),
    user_id: id("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    security_stamp: integer("security_stamp").notNull(),
    created_at: at("created_at").notNull(),
    used_at: at("used_at"),
    session_created_at: at("session_created_at").notNull(),
    ip: varchar("ip", { length: 45 }),
    user_agent: varchar("user_agent", { length: 512 }),
    label: varchar("label", { length: 100 }),
  });
  return { user, accessToken, refreshToken };
}

function fieldColumn(field: ResolvedUserField) {
  switch (field.type) {
    case "string":
      return varchar(field.column, { length: field.maxLength });
    case "integer":
      return integer(field.column);
    case "number":
      return doublePrecision(field.column);
    case "boolean":
      return boolean(field.column);
  }
}
