import { boolean, char, datetime, double, int, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import type { ResolvedUserField } from "../../user-fields.js";
import { withDefault } from "./field-default.js";
import type { DrizzleTables, ResolvedTableOptions } from "./tables.js";

/** The tables on MySQL and MariaDB: `char(36)` ids (or auto-increment), `datetime(6)` in UTC, `tinyint(1)`. */
export function mysqlTables(options: ResolvedTableOptions): DrizzleTables {
  const id = (name: string) =>
    options.idType === "uuid"
      ? char(name, { length: 36 })
      : options.idType === "integer"
        ? int(name)
        : varchar(name, { length: 255 });
  const at = (name: string) => datetime(name, { mode: "string", fsp: 6 });
  const user = mysqlTable(options.userTable, {
    id:
      options.idType === "integer" ? int("id").primaryKey().autoincrement() : id("id").primaryKey(),
    email: varchar("email", { length: 320 }).notNull(),
    hashed_password: varchar("hashed_password", { length: 1024 }).notNull(),
    is_active: boolean("is_active").notNull(),
    is_superuser: boolean("is_superuser").notNull(),
    is_verified: boolean("is_verified").notNull(),
    security_stamp: int("security_stamp").notNull().default(0),
    ...Object.fromEntries(
      options.userFields.map((field) => [field.column, withDefault(fieldColumn(field), field)]),
    ),
    ...options.extraUserColumns,
  });
  const accessToken = mysqlTable(options.accessTokenTable, {
    token: varchar("token", { length: 43 }).primaryKey(),
    created_at: at("created_at").notNull(),
    user_id: id("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    security_stamp: int("security_stamp").notNull().default(0),
    ip: varchar("ip", { length: 45 }),
    user_agent: varchar("user_agent", { length: 512 }),
    label: varchar("label", { length: 100 }),
    last_used_at: at("last_used_at"),
    family: varchar("family", { length: 43 }),
  });
  const refreshToken = mysqlTable(options.refreshTokenTable, {
    token: varchar("token", { length: 43 }).primaryKey(),
    family: varchar("family", { length: 43 }).notNull(),
    user_id: id("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    security_stamp: int("security_stamp").notNull(),
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
      return int(field.column);
    case "number":
      return double(field.column);
    case "boolean":
      return boolean(field.column);
  }
}
