import type { Kysely } from "kysely";
import type { IdType } from "../../core/models.js";
import type { Schema } from "./schema.js";

/** Which column types hold ids of each id type (as the engines name them). */
const FITS: Record<IdType, (type: string) => boolean> = {
  integer: (type) => /int/i.test(type),
  uuid: (type) => /uuid/i.test(type) || (/char/i.test(type) && !/var/i.test(type)),
  string: (type) => !/int/i.test(type),
};

/**
 * Refuses to run on a user table whose `id` column does not hold the
 * schema's id type: with integer ids read as UUIDs (or the other way round)
 * every `/users/{id}` would silently answer 404. The id type is declared once,
 * in the options given to `kyselyAdapter` and `migrateToLatest`.
 */
export async function checkIdType(db: Kysely<any>, schema: Schema): Promise<void> {
  const table = (await db.introspection.getTables()).find((t) => t.name === schema.userTable);
  const column = table?.columns.find((c) => c.name === "id");
  // Not a user table at all: the migrations say so, in their own words.
  if (!table?.columns.some((c) => c.name === "hashed_password")) return;
  if (!column || FITS[schema.idType](column.dataType)) return;
  throw new TypeError(
    `"${schema.userTable}.id" is ${column.dataType}, which does not hold idType "${schema.idType}": ` +
      "give kyselyAdapter and migrateToLatest the idType of your table",
  );
}
