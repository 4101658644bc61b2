import { and, desc, eq, isNull, lt, ne } from "drizzle-orm";
import type { DeleteExpiredOptions } from "../../db/access-token-database.js";
import type { RefreshTokenDatabase } from "../../db/refresh-token-database.js";
import type { UserRows } from "../../db/user-rows.js";
import type { AccessToken, RefreshToken, User } from "../../models.js";
import {
  accessTokenToRow,
  refreshTokenToRow,
  rowToRefreshToken,
  sqlUserRows,
} from "../kysely/rows.js";
import { deleteMatching } from "./drizzle-access-token-database.js";
import { type AnyDrizzle, affectedRows, createdSince, guard } from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";
import { inTransaction } from "./transaction.js";

/**
 * Rotating refresh tokens in tessera's refresh-token table through Drizzle;
 * writes to both token tables run in one transaction. Build it with
 * {@link drizzleAdapter}.
 */
export class DrizzleRefreshTokenDatabase<U extends User<ID>, ID = U["id"]>
  implements RefreshTokenDatabase<U, ID>
{
  readonly #rows: UserRows;

  constructor(
    private readonly db: AnyDrizzle,
    readonly schema: DrizzleSchema,
  ) {
    this.#rows = sqlUserRows(schema.userFields, schema.traits);
  }

  create(access: AccessToken<ID>, refresh: RefreshToken<ID>): Promise<void> {
    const { traits, tables } = this.schema;
    return guard(traits, async () => {
      await inTransaction(this.db, this.schema, (tx) => ({
        lead: tx.insert(tables.accessToken).values(accessTokenToRow(access, traits)),
        rest: [tx.insert(tables.refreshToken).values(refreshTokenToRow(refresh, traits))],
      }));
    });
  }

  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<ID>; user: U | null } | null> {
    const { traits, tables } = this.schema;
    const { refreshToken: table, user } = tables;
    return guard(traits, async () => {
      const [row] = await this.db
        .select()
        .from(table)
        .where(and(eq(table.token, token), createdSince(table, notBefore, traits)))
        .limit(1);
      if (!row) return null;
      const refresh = rowToRefreshToken<ID>(row, traits);
      const [userRow] = await this.db
        .select()
        .from(user)
        .where(and(eq(user.id, refresh.userId), eq(user.security_stamp, refresh.securityStamp)))
        .limit(1);
      return { refresh, user: userRow ? this.#rows.toUser<U, ID>(userRow) : null };
    });
  }

  rotate(
    used: string,
    at: Date,
    access: AccessToken<ID>,
    refresh: RefreshToken<ID>,
  ): Promise<boolean> {
    const { traits, tables } = this.schema;
    const { refreshToken, accessToken } = tables;
    return guard(traits, async () => {
      // The compare-and-set first: of two rotations of one token, the second waits on
      // this row's lock and then finds it used.
      const marked = await inTransaction(this.db, this.schema, (tx) => ({
        lead: tx
          .update(refreshToken)
          .set({ used_at: traits.encodeDate(at) })
          .where(and(eq(refreshToken.token, used), isNull(refreshToken.used_at))),
        proceed: (affected) => affected === 1,
        rest: [
          tx.delete(accessToken).where(eq(accessToken.family, refresh.family)),
          tx.insert(accessToken).values(accessTokenToRow(access, traits)),
          tx.insert(refreshToken).values(refreshTokenToRow(refresh, traits)),
        ],
      }));
      return marked === 1;
    });
  }

  deleteFamily(family: string): Promise<number> {
    const { refreshToken, accessToken } = this.schema.tables;
    return guard(this.schema.traits, () =>
      inTransaction(this.db, this.schema, (tx) => ({
        lead: tx.delete(accessToken).where(eq(accessToken.family, family)),
        rest: [tx.delete(refreshToken).where(eq(refreshToken.family, family))],
      })),
    );
  }

  deleteByUser(userId: ID, options: { keepFamily?: string } = {}): Promise<number> {
    const table = this.schema.tables.refreshToken;
    return guard(this.schema.traits, async () => {
      const keep =
        options.keepFamily === undefined ? undefined : ne(table.family, options.keepFamily);
      return affectedRows(await this.db.delete(table).where(and(eq(table.user_id, userId), keep)));
    });
  }

  restampFamily(family: string, from: number, to: number): Promise<void> {
    const table = this.schema.tables.refreshToken;
    return guard(this.schema.traits, async () => {
      await this.db
        .update(table)
        .set({ security_stamp: to })
        .where(
          and(eq(table.family, family), eq(table.security_stamp, from), isNull(table.used_at)),
        );
    });
  }

  listByUser(userId: ID, notBefore: Date | null): Promise<RefreshToken<ID>[]> {
    const { traits, tables } = this.schema;
    const table = tables.refreshToken;
    return guard(traits, async () => {
      const rows = await this.db
        .select()
        .from(table)
        .where(
          and(
            eq(table.user_id, userId),
            isNull(table.used_at),
            createdSince(table, notBefore, traits),
          ),
        )
        .orderBy(desc(table.session_created_at));
      return rows.map((row: Record<string, unknown>) => rowToRefreshToken<ID>(row, traits));
    });
  }

  deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { traits, tables } = this.schema;
    const table = tables.refreshToken;
    return deleteMatching(
      this.db,
      this.schema,
      table,
      lt(table.created_at, traits.encodeDate(notBefore)),
      options,
    );
  }
}
