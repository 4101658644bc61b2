import type { ColumnDefinitionBuilder, Kysely } from "kysely";
import type { ResolvedUserField } from "../../../users/user-fields.js";
import type { DataTypeExpression } from "../engine.js";
import type { Schema } from "../schema.js";

/**
 * Adds the columns of the schema's custom user fields that the user table
 * lacks, and returns their names. Not a numbered migration: the fields are
 * the app's, so this runs on every `migrateToLatest` after tessera's own. A
 * field with a default is `NOT NULL DEFAULT` (existing rows get the default);
 * one without is nullable. A column that exists already is used as it is:
 * nothing is dropped, retyped or renamed.
 */
export async function addUserFieldColumns(db: Kysely<any>, schema: Schema): Promise<string[]> {
  if (schema.userFields.length === 0) return [];
  const existing = await columnsOf(db, schema.userTable);
  const added: string[] = [];
  for (const field of schema.userFields) {
    if (existing.has(field.column)) continue;
    try {
      await db.schema
        .alterTable(schema.userTable)
        .addColumn(field.column, columnType(field, schema), (column) =>
          withDefault(column, field, schema),
        )
        .execute();
      added.push(field.column);
    } catch (error) {
      // Another process starting at the same moment added it first (the DDL is atomic).
      if (!(await columnsOf(db, schema.userTable)).has(field.column)) throw error;
    }
  }
  return added;
}

async function columnsOf(db: Kysely<any>, tableName: string): Promise<Set<string>> {
  const table = (await db.introspection.getTables()).find((t) => t.name === tableName);
  return new Set(table?.columns.map((column) => column.name));
}

function columnType(field: ResolvedUserField, schema: Schema): DataTypeExpression {
  switch (field.type) {
    case "string":
      return schema.engine.stringType(field.maxLength);
    case "integer":
      return "integer";
    case "number":
      return "double precision";
    case "boolean":
      return "boolean";
  }
}

function withDefault(
  column: ColumnDefinitionBuilder,
  field: ResolvedUserField,
  schema: Schema,
): ColumnDefinitionBuilder {
  if (field.default === undefined) return column;
  const value =
    typeof field.default === "boolean" ? schema.engine.encodeBoolean(field.default) : field.default;
  return column.notNull().defaultTo(value);
}
