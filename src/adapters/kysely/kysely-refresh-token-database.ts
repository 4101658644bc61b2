import type { ExpressionBuilder, Kysely } from "kysely";
import type { DeleteExpiredOptions } from "../../db/access-token-database.js";
import type { RefreshTokenDatabase } from "../../db/refresh-token-database.js";
import type { UserRows } from "../../db/user-rows.js";
import type { AccessToken, RefreshToken, User } from "../../models.js";
import { deleteMatching } from "./delete-batch.js";
import { guard } from "./guard.js";
import {
  accessTokenToRow,
  refreshTokenToRow,
  rowToRefreshToken,
  sqlUserRows,
  type UserRow,
} from "./rows.js";
import type { Schema } from "./schema.js";

/**
 * Rotating refresh tokens in a SQL table through Kysely, beside the
 * access-token table; writes to both run in one transaction. Build it with
 * `kyselyAdapter`; the table comes from migration `0005_refresh_tokens`.
 */
export class KyselyRefreshTokenDatabase<U extends User<ID>, ID = U["id"]>
  implements RefreshTokenDatabase<U, ID>
{
  readonly #db: Kysely<any>;
  readonly #rows: UserRows;

  constructor(
    db: Kysely<any>,
    readonly schema: Schema,
  ) {
    this.#db = db.withoutPlugins();
    this.#rows = sqlUserRows(schema.userFields, schema.engine);
  }

  create(access: AccessToken<ID>, refresh: RefreshToken<ID>): Promise<void> {
    const { engine, accessTokenTable, refreshTokenTable } = this.schema;
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx) => {
        await trx.insertInto(accessTokenTable).values(accessTokenToRow(access, engine)).execute();
        await trx
          .insertInto(refreshTokenTable)
          .values(refreshTokenToRow(refresh, engine))
          .execute();
      }),
    );
  }

  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<ID>; user: U | null } | null> {
    const { engine, userTable, refreshTokenTable } = this.schema;
    return guard(engine, async () => {
      let query = this.#db.selectFrom(refreshTokenTable).selectAll().where("token", "=", token);
      if (notBefore !== null) query = query.where("created_at", ">=", engine.encodeDate(notBefore));
      const row = await query.executeTakeFirst();
      if (!row) return null;
      const refresh = rowToRefreshToken<ID>(row, engine);
      const userRow = await this.#db
        .selectFrom(userTable)
        .selectAll()
        .where("id", "=", refresh.userId)
        .where("security_stamp", "=", refresh.securityStamp)
        .executeTakeFirst();
      return { refresh, user: userRow ? this.#rows.toUser<U, ID>(userRow as UserRow) : null };
    });
  }

  rotate(
    used: string,
    at: Date,
    access: AccessToken<ID>,
    refresh: RefreshToken<ID>,
  ): Promise<boolean> {
    const { engine, accessTokenTable, refreshTokenTable } = this.schema;
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx) => {
        // The compare-and-set first: of two rotations of one token, the second waits on
        // this row's lock and then finds it used.
        const marked = await trx
          .updateTable(refreshTokenTable)
          .set({ used_at: engine.encodeDate(at) })
          .where("token", "=", used)
          .where("used_at", "is", null)
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) !== 1) return false;
        await trx.deleteFrom(accessTokenTable).where("family", "=", refresh.family).execute();
        await trx.insertInto(accessTokenTable).values(accessTokenToRow(access, engine)).execute();
        await trx
          .insertInto(refreshTokenTable)
          .values(refreshTokenToRow(refresh, engine))
          .execute();
        return true;
      }),
    );
  }

  deleteFamily(family: string): Promise<number> {
    const { engine, accessTokenTable, refreshTokenTable } = this.schema;
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx) => {
        await trx.deleteFrom(accessTokenTable).where("family", "=", family).execute();
        const result = await trx
          .deleteFrom(refreshTokenTable)
          .where("family", "=", family)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
    );
  }

  deleteByUser(userId: ID, options: { keepFamily?: string } = {}): Promise<number> {
    const { engine, refreshTokenTable } = this.schema;
    return guard(engine, async () => {
      let query = this.#db.deleteFrom(refreshTokenTable).where("user_id", "=", userId);
      if (options.keepFamily !== undefined) query = query.where("family", "!=", options.keepFamily);
      return Number((await query.executeTakeFirst()).numDeletedRows);
    });
  }

  restampFamily(family: string, from: number, to: number): Promise<void> {
    return guard(this.schema.engine, async () => {
      await this.#db
        .updateTable(this.schema.refreshTokenTable)
        .set({ security_stamp: to })
        .where("family", "=", family)
        .where("security_stamp", "=", from)
        .where("used_at", "is", null)
        .execute();
    });
  }

  listByUser(userId: ID, notBefore: Date | null): Promise<RefreshToken<ID>[]> {
    const { engine, refreshTokenTable } = this.schema;
    return guard(engine, async () => {
      let query = this.#db
        .selectFrom(refreshTokenTable)
        .selectAll()
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .orderBy("session_created_at", "desc");
      if (notBefore !== null) query = query.where("created_at", ">=", engine.encodeDate(notBefore));
      const rows = await query.execute();
      return rows.map((row) => rowToRefreshToken<ID>(row, engine));
    });
  }

  async deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { engine, refreshTokenTable } = this.schema;
    const bound = engine.encodeDate(notBefore);
    const expired = (eb: ExpressionBuilder<any, any>) => eb("created_at", "<", bound);
    return deleteMatching(this.#db, engine, refreshTokenTable, expired, options);
  }
}
