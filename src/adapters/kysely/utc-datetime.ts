/**
 * Naive `YYYY-MM-DD HH:MM:SS[.ffffff]` text is UTC; an explicit offset (`Z`, `+01:00`, or
 * PostgreSQL's text form `+01`) is honoured.
 */
const SQL_DATETIME = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?$/;

/**
 * Parses a driver's Date, or naive-UTC datetime text as SQLAlchemy writes it
 * on SQLite and MySQL returns a DATETIME: no timezone offset is ever applied.
 */
export function parseUtcDateTime(value: unknown): Date {
  if (value instanceof Date) return value;
  const match = SQL_DATETIME.exec(String(value));
  if (!match) return new Date(Number.NaN);
  const [, day, time, fraction = "", offset = "Z"] = match;
  const millis = fraction.slice(0, 4).padEnd(fraction ? 4 : 0, "0");
  const zone =
    offset.length === 3
      ? `${offset}:00`
      : offset.length === 5
        ? `${offset.slice(0, 3)}:${offset.slice(3)}`
        : offset;
  return new Date(`${day}T${time}${millis}${zone}`);
}

/**
 * A Date as naive UTC text with microseconds, `2026-01-31 12:00:00.000000`:
 * SQLAlchemy's format, so text order is time order and MySQL reads it as is.
 */
export function formatUtcDateTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}
