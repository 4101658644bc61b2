import { and, eq, sql } from "drizzle-orm";
import { UserAlreadyExists } from "../../core/errors.js";
import { newId, parseId } from "../../core/ids.js";
import type { User, UserCreateData, UserUpdateData } from "../../core/models.js";
import type { UserDatabase } from "../../users/user-database.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import { readValues, type UserRows } from "../../users/user-rows.js";
import { sqlUserRows } from "../kysely/rows.js";
import { type AnyDrizzle, affectedRows, driverError, guard } from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";

/** Users in tessera's user table through Drizzle. Build it with {@link drizzleAdapter}. */
export class DrizzleUserDatabase<U extends User<ID>, ID = U["id"]> implements UserDatabase<U, ID> {
  readonly #rows: UserRows;
  /** Maps only the contract's fields (for the compare-and-set). */
  readonly #contractRows: UserRows;

  constructor(
    private readonly db: AnyDrizzle,
    readonly schema: DrizzleSchema,
  ) {
    this.#rows = sqlUserRows(schema.userFields, schema.traits);
    this.#contractRows = sqlUserRows([], schema.traits);
  }

  get userFields(): readonly ResolvedUserField[] {
    return this.schema.userFields;
  }

  parseId(raw: string): ID | null {
    return parseId(this.schema.idType, raw) as ID | null;
  }

  get(id: ID): Promise<U | null> {
    const { user } = this.schema.tables;
    return guard(this.schema.traits, async () => {
      const [row] = await this.db.select().from(user).where(eq(user.id, id)).limit(1);
      return row ? this.#rows.toUser<U, ID>(row) : null;
    });
  }

  getByEmail(email: string): Promise<U | null> {
    const { tables, traits } = this.schema;
    const { user } = tables;
    return guard(traits, async () => {
      // The lookup matches the unique index: on lower(email), or on the case-insensitive column.
      const match =
        traits.caseInsensitiveEmail === "lower-index"
          ? sql`lower(${user.email}) = lower(${email})`
          : eq(user.email, email);
      const [row] = await this.db.select().from(user).where(match).limit(1);
      return row ? this.#rows.toUser<U, ID>(row) : null;
    });
  }

  create(data: UserCreateData): Promise<U> {
    const { tables, traits, idType } = this.schema;
    return guard(traits, async () => {
      const row = this.#rows.toRow(data);
      if (idType !== "integer") row.id = newId();
      try {
        if (traits.supportsReturning) {
          const [inserted] = await this.db.insert(tables.user).values(row).returning();
          return this.#rows.toUser<U, ID>(inserted);
        }
        const result = await this.db.insert(tables.user).values(row);
        const id = (row.id ?? Number(result[0].insertId)) as ID;
        return (await this.get(id)) as U;
      } catch (error) {
        if (traits.isUniqueViolation(driverError(error))) {
          throw new UserAlreadyExists();
        }
        throw error;
      }
    });
  }

  update(user: U, data: UserUpdateData): Promise<U | null> {
    const { tables, traits } = this.schema;
    const table = tables.user;
    return guard(traits, async () => {
      const row = this.#rows.toRow(data);
      if (Object.keys(row).length === 0) return user;
      // Compare-and-set: the row must still hold what was read, for each of the
      // contract's columns written (a custom field's last writer wins).
      const read = this.#contractRows.toRow(readValues(user, data));
      const conditions = [eq(table.id, user.id), eq(table.security_stamp, user.securityStamp)];
      for (const [column, value] of Object.entries(read)) {
        if (column !== "security_stamp") conditions.push(eq(table[column], value));
      }
      try {
        const result = await this.db
          .update(table)
          .set(row)
          .where(and(...conditions));
        return affectedRows(result) === 1 ? { ...user, ...data } : null;
      } catch (error) {
        if (traits.isUniqueViolation(driverError(error))) {
          throw new UserAlreadyExists();
        }
        throw error;
      }
    });
  }

  delete(user: U): Promise<void> {
    const { user: table } = this.schema.tables;
    return guard(this.schema.traits, async () => {
      await this.db.delete(table).where(eq(table.id, user.id));
    });
  }
}
