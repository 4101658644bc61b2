import { type Kysely, sql } from "kysely";
import { UserAlreadyExists } from "../../core/errors.js";
import { newId, parseId } from "../../core/ids.js";
import type { User, UserCreateData, UserUpdateData } from "../../core/models.js";
import type { UserDatabase } from "../../users/user-database.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import { readValues, type UserRows } from "../../users/user-rows.js";
import { guard } from "./guard.js";
import { sqlUserRows, type UserRow } from "./rows.js";
import type { Schema } from "./schema.js";

/**
 * Users in a SQL table through Kysely (SQLite, PostgreSQL, MySQL/MariaDB).
 * Build it with {@link kyselyAdapter} rather than directly.
 */
export class KyselyUserDatabase<U extends User<ID>, ID = U["id"]> implements UserDatabase<U, ID> {
  readonly #db: Kysely<any>;
  readonly #rows: UserRows;
  /** Maps only the contract's fields (for the compare-and-set). */
  readonly #contractRows: UserRows;

  constructor(
    db: Kysely<any>,
    readonly schema: Schema,
  ) {
    // Plugins (CamelCasePlugin…) of the caller's instance would rename our columns.
    this.#db = db.withoutPlugins();
    this.#rows = sqlUserRows(schema.userFields, schema.engine);
    this.#contractRows = sqlUserRows([], schema.engine);
  }

  get userFields(): readonly ResolvedUserField[] {
    return this.schema.userFields;
  }

  parseId(raw: string): ID | null {
    return parseId(this.schema.idType, raw) as ID | null;
  }

  get(id: ID): Promise<U | null> {
    return guard(this.schema.engine, async () => {
      const row = await this.#db
        .selectFrom(this.schema.userTable)
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row ? this.#rows.toUser<U, ID>(row) : null;
    });
  }

  getByEmail(email: string): Promise<U | null> {
    return guard(this.schema.engine, async () => {
      const row = await this.#db
        .selectFrom(this.schema.userTable)
        .selectAll()
        .where((eb) =>
          // The lookup matches the unique index: on lower(email), or on the case-insensitive column.
          this.schema.engine.caseInsensitiveEmail === "lower-index"
            ? eb(sql`lower(email)`, "=", sql`lower(${email})`)
            : eb("email", "=", email),
        )
        .executeTakeFirst();
      return row ? this.#rows.toUser<U, ID>(row) : null;
    });
  }

  create(data: UserCreateData): Promise<U> {
    const { engine, idType, userTable } = this.schema;
    return guard(engine, async () => {
      const row = this.#rows.toRow(data);
      if (idType !== "integer") row.id = newId();
      try {
        if (engine.supportsReturning) {
          const inserted = await this.#db
            .insertInto(userTable)
            .values(row)
            .returningAll()
            .executeTakeFirstOrThrow();
          return this.#rows.toUser<U, ID>(inserted as UserRow);
        }
        const result = await this.#db.insertInto(userTable).values(row).executeTakeFirstOrThrow();
        const id = (row.id ?? Number(result.insertId)) as ID;
        return (await this.get(id)) as U;
      } catch (error) {
        if (engine.isUniqueViolation(error)) throw new UserAlreadyExists();
        throw error;
      }
    });
  }

  update(user: U, data: UserUpdateData): Promise<U | null> {
    const { engine, userTable } = this.schema;
    return guard(engine, async () => {
      const row = this.#rows.toRow(data);
      if (Object.keys(row).length === 0) return user;
      // Compare-and-set: the row must still hold what was read, for each of the
      // contract's columns written (a custom field's last writer wins).
      const read = this.#contractRows.toRow(readValues(user, data));
      let query = this.#db
        .updateTable(userTable)
        .set(row)
        .where("id", "=", user.id)
        .where("security_stamp", "=", user.securityStamp);
      for (const [column, value] of Object.entries(read)) {
        if (column !== "security_stamp") query = query.where(column, "=", value);
      }
      try {
        const result = await query.executeTakeFirst();
        return Number(result.numUpdatedRows) === 1 ? { ...user, ...data } : null;
      } catch (error) {
        if (engine.isUniqueViolation(error)) throw new UserAlreadyExists();
        throw error;
      }
    });
  }

  delete(user: U): Promise<void> {
    return guard(this.schema.engine, async () => {
      await this.#db.deleteFrom(this.schema.userTable).where("id", "=", user.id).execute();
    });
  }
}
