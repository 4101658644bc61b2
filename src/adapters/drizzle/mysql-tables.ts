import {
  bigint,
  boolean,
  char,
  datetime,
  double,
  int,
  mysqlTable,
  text,
  varchar,
} from "drizzle-orm/mysql-core";
import type { ColumnKit } from "./build-tables.js";

/** MySQL and MariaDB: `char(36)` ids (or auto-increment), `datetime(6)` in UTC, `tinyint(1)`. */
export const mysqlColumns: ColumnKit = {
  table: mysqlTable,
  primaryId: (options) =>
    options.idType === "integer"
      ? int("id").primaryKey().autoincrement()
      : mysqlColumns.userId("id", options).primaryKey(),
  userId: (name, { idType }) =>
    idType === "uuid"
      ? char(name, { length: 36 })
      : idType === "integer"
        ? int(name)
        : varchar(name, { length: 255 }),
  uuid: (name) => char(name, { length: 36 }),
  text: (name) => text(name),
  string: (name, length) => varchar(name, { length }),
  integer: (name) => int(name),
  bigint: (name) => bigint(name, { mode: "number" }),
  number: (name) => double(name),
  boolean: (name) => boolean(name),
  timestamp: (name) => datetime(name, { mode: "string", fsp: 6 }),
  encodeBoolean: (value) => value,
};
