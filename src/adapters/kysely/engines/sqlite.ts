import type { Engine } from "../engine.js";
import { errorCode } from "../engine.js";

/**
 * SQLite through better-sqlite3. Dates are stored as naive UTC text in
 * SQLAlchemy's format (`2026-01-31 12:00:00.000000`), as FastAPI Users writes
 * them, so both can share a database and text order is time order.
 */
// Naive text is UTC; an explicit offset, if some other writer added one, is honoured.
const SQL_DATETIME = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/;

export const sqliteEngine: Engine = {
  name: "sqlite",
  uuidType: "char(36)",
  timestampType: "text",
  supportsReturning: true,
  encodeDate(date) {
    const iso = date.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
  },
  decodeDate(value) {
    if (value instanceof Date) return value;
    const match = SQL_DATETIME.exec(String(value));
    if (!match) return new Date(Number.NaN);
    const [, day, time, fraction = "", offset = "Z"] = match;
    const millis = fraction.slice(0, 4).padEnd(fraction ? 4 : 0, "0");
    const zone = offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
    return new Date(`${day}T${time}${millis}${zone}`);
  },
  encodeBoolean(value) {
    return value ? 1 : 0;
  },
  isUniqueViolation(error) {
    const code = errorCode(error);
    return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
  },
  isUnavailable(error) {
    const code = errorCode(error) ?? "";
    return (
      code.startsWith("SQLITE_BUSY") ||
      code.startsWith("SQLITE_LOCKED") ||
      code.startsWith("SQLITE_IOERR") ||
      code.startsWith("SQLITE_CANTOPEN") ||
      code === "SQLITE_FULL" ||
      (error instanceof TypeError && /database connection is not open/.test(error.message))
    );
  },
};
