import type { DataTypeExpression } from "../engine.js";
import type { Schema } from "../schema.js";

/** Column type of `user.id` and `accesstoken.user_id` for the schema's id type. */
export function idColumnType({ idType, engine }: Schema): DataTypeExpression {
  if (idType === "uuid") return engine.uuidType;
  return idType === "integer" ? "integer" : "varchar(255)";
}
