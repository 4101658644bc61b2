import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import { UserNotExists } from "../../core/errors.js";
import type { AccessToken, RefreshToken, User } from "../../core/models.js";
import type { DeleteExpiredOptions } from "../../sessions/access-token-database.js";
import {
  type RefreshTokenDatabase,
  type RotationResult,
  type SessionRecordRow,
  SUPERSEDED_STAMP,
} from "../../sessions/refresh-token-database.js";
import { decodeAmr, encodeAmr } from "../../sessions/session.js";
import type { UserRows } from "../../users/user-rows.js";
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
 * access-token table, and each session's record; writes to several run in
 * one transaction, and rotations and revocations meet on the record's row
 * lock (see {@link RefreshTokenDatabase}). Build it with `kyselyAdapter`; the
 * tables come from migrations `0005_refresh_tokens` and `0007_session_records`.
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
    const { engine, accessTokenTable, refreshTokenTable, sessionTable } = this.schema;
    const userGone = (error: unknown) => {
      // The user was deleted since the login read it.
      throw engine.isForeignKeyViolation(error) ? new UserNotExists() : error;
    };
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto(sessionTable)
          .values({
            id: refresh.family,
            user_id: refresh.userId,
            created_at: engine.encodeDate(refresh.sessionCreatedAt),
            ip: refresh.ip,
            user_agent: refresh.userAgent,
            label: refresh.label,
            amr: encodeAmr(refresh.amr),
          })
          .execute()
          .catch(userGone);
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
    const { engine, userTable } = this.schema;
    return guard(engine, async () => {
      let query = this.#withAmr().where("r.token", "=", token);
      if (notBefore !== null) {
        query = query.where("r.created_at", ">=", engine.encodeDate(notBefore));
      }
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
  ): Promise<RotationResult> {
    const { engine, accessTokenTable, refreshTokenTable, sessionTable } = this.schema;
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx): Promise<RotationResult> => {
        // The session record first: a revocation deletes it first, so whichever of the
        // two takes its row lock first, the other sees what it did. `rotations` always
        // changes the row (MySQL counts changed rows, not matched ones).
        const advanced = await trx
          .updateTable(sessionTable)
          .set({ refreshed_at: engine.encodeDate(at), rotations: sql`rotations + 1` })
          .where("id", "=", refresh.family)
          .executeTakeFirst();
        if (Number(advanced.numUpdatedRows) !== 1) return "ended";
        // Then the compare-and-set: of two rotations of one token, the second finds it used.
        const marked = await trx
          .updateTable(refreshTokenTable)
          .set({ used_at: engine.encodeDate(at) })
          .where("token", "=", used)
          .where("used_at", "is", null)
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) !== 1) return "used";
        await trx
          .updateTable(accessTokenTable)
          .set({ security_stamp: SUPERSEDED_STAMP })
          .where("family", "=", refresh.family)
          .execute();
        // The record's amr, read under the lock the update above took.
        const amr = trx.selectFrom(sessionTable).select("amr").where("id", "=", refresh.family);
        await trx
          .insertInto(accessTokenTable)
          .values({ ...accessTokenToRow(access, engine), amr })
          .execute();
        await trx
          .insertInto(refreshTokenTable)
          .values(refreshTokenToRow(refresh, engine))
          .execute();
        return "rotated";
      }),
    );
  }

  getSession(family: string): Promise<SessionRecordRow<ID> | null> {
    const { engine, sessionTable } = this.schema;
    return guard(engine, async () => {
      const row = await this.#db
        .selectFrom(sessionTable)
        .select(["id", "user_id", "created_at", "amr"])
        .where("id", "=", family)
        .executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        userId: row.user_id as ID,
        createdAt: engine.decodeDate(row.created_at),
        amr: decodeAmr(row.amr),
      };
    });
  }

  deleteFamily(family: string): Promise<number> {
    const { engine, accessTokenTable, refreshTokenTable, sessionTable } = this.schema;
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx) => {
        // The record first (see rotate); each later statement then sees a rotation that
        // held the record's lock before it.
        await trx.deleteFrom(sessionTable).where("id", "=", family).execute();
        const result = await trx
          .deleteFrom(accessTokenTable)
          .where("family", "=", family)
          .executeTakeFirst();
        await trx.deleteFrom(refreshTokenTable).where("family", "=", family).execute();
        return Number(result.numDeletedRows);
      }),
    );
  }

  deleteByUser(userId: ID, options: { keepFamily?: string } = {}): Promise<number> {
    const { engine, accessTokenTable, refreshTokenTable, sessionTable } = this.schema;
    const { keepFamily } = options;
    return guard(engine, () =>
      this.#db.transaction().execute(async (trx) => {
        let records = trx.deleteFrom(sessionTable).where("user_id", "=", userId);
        if (keepFamily !== undefined) records = records.where("id", "!=", keepFamily);
        const ended = Number((await records.executeTakeFirst()).numDeletedRows);
        let access = trx
          .deleteFrom(accessTokenTable)
          .where("user_id", "=", userId)
          .where("family", "is not", null);
        if (keepFamily !== undefined) access = access.where("family", "!=", keepFamily);
        await access.execute();
        let refresh = trx.deleteFrom(refreshTokenTable).where("user_id", "=", userId);
        if (keepFamily !== undefined) refresh = refresh.where("family", "!=", keepFamily);
        await refresh.execute();
        return ended;
      }),
    );
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
    const { engine } = this.schema;
    return guard(engine, async () => {
      let query = this.#withAmr()
        .where("r.user_id", "=", userId)
        .where("r.used_at", "is", null)
        .orderBy("r.session_created_at", "desc");
      if (notBefore !== null) {
        query = query.where("r.created_at", ">=", engine.encodeDate(notBefore));
      }
      const rows = await query.execute();
      return rows.map((row) => rowToRefreshToken<ID>(row, engine));
    });
  }

  /** Refresh tokens (as `r`) with their session record's `amr` (`null` once it is gone). */
  #withAmr() {
    const { refreshTokenTable, sessionTable } = this.schema;
    return this.#db
      .selectFrom(`${refreshTokenTable} as r`)
      .leftJoin(`${sessionTable} as s`, "s.id", "r.family")
      .selectAll("r")
      .select("s.amr");
  }

  /** Then the records of sessions that started before the bound and have no refresh token left. */
  async deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { engine, refreshTokenTable, sessionTable } = this.schema;
    const bound = engine.encodeDate(notBefore);
    const expired = (eb: ExpressionBuilder<any, any>) => eb("created_at", "<", bound);
    const count = await deleteMatching(this.#db, engine, refreshTokenTable, expired, options);
    await guard(engine, () =>
      this.#db
        .deleteFrom(sessionTable)
        .where("created_at", "<", bound)
        .where(({ exists, not, selectFrom }) =>
          not(
            exists(
              selectFrom(`${refreshTokenTable} as r`)
                .select(sql`1`.as("one"))
                .whereRef("r.family", "=", `${sessionTable}.id`),
            ),
          ),
        )
        .execute(),
    );
    return count;
  }
}
