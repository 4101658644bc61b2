import type { ResolvedUserField } from "../../user-fields.js";

/** A column builder of any engine, as far as defaults go. */
interface DefaultableColumn {
  default(value: unknown): DefaultableColumn;
  notNull(): DefaultableColumn;
}

/**
 * A custom field's column with its declared default (and, having one, not
 * null), as the migration made it: Drizzle writes a column left out of an
 * insert as its default when it knows one, else as `null` on SQLite.
 */
export function withDefault<C>(
  column: C,
  field: ResolvedUserField,
  encodeBoolean: (value: boolean) => unknown = (value) => value,
): C {
  if (field.default === undefined) return column;
  const value = typeof field.default === "boolean" ? encodeBoolean(field.default) : field.default;
  return (column as DefaultableColumn).default(value).notNull() as C;
}
