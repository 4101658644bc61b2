import {
  and,
  desc,
  eq,
  getTableColumns,
  isNotNull,
  isNull,
  lt,
  ne,
  notExists,
  sql,
} from "drizzle-orm";
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
import {
  accessTokenToRow,
  refreshTokenToRow,
  rowToRefreshToken,
  sqlUserRows,
} from "../kysely/rows.js";
import { deleteMatching } from "./drizzle-access-token-database.js";
import {
  type AnyDrizzle,
  affectedRows,
  createdSince,
  driverError,
  guard,
} from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";
import { inGatedTransaction, inTransaction, inTransactionAll } from "./transaction.js";

/**
 * Rotating refresh tokens in tessera's refresh-token table through Drizzle,
 * and each session's record; writes to several tables run in one
 * transaction, and rotations and revocations meet on the record's row lock
 * (see {@link RefreshTokenDatabase}). Build it with {@link drizzleAdapter}.
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
      const stored = async () =>
        inTransaction(this.db, this.schema, (tx) => ({
          lead: tx.insert(tables.session).values({
            id: refresh.family,
            user_id: refresh.userId,
            created_at: traits.encodeDate(refresh.sessionCreatedAt),
            ip: refresh.ip,
            user_agent: refresh.userAgent,
            label: refresh.label,
            amr: encodeAmr(refresh.amr),
          }),
          rest: [
            tx.insert(tables.accessToken).values(accessTokenToRow(access, traits)),
            tx.insert(tables.refreshToken).values(refreshTokenToRow(refresh, traits)),
          ],
        }));
      await stored().catch((error: unknown) => {
        // The user was deleted since the login read it.
        throw traits.isForeignKeyViolation(driverError(error)) ? new UserNotExists() : error;
      });
    });
  }

  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<ID>; user: U | null } | null> {
    const { traits, tables } = this.schema;
    const { refreshToken: table, user } = tables;
    return guard(traits, async () => {
      const [row] = await this.#withAmr()
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
  ): Promise<RotationResult> {
    const { traits, tables } = this.schema;
    const { refreshToken, accessToken, session } = tables;
    return guard(traits, async () => {
      // The session record first, as a revocation deletes it first: whichever takes its
      // row lock first, the other sees what it did. Then the compare-and-set on the token.
      const stopped = await inGatedTransaction(this.db, this.schema, (tx) => ({
        gates: [
          tx
            .update(session)
            .set({ refreshed_at: traits.encodeDate(at), rotations: sql`rotations + 1` })
            .where(eq(session.id, refresh.family)),
          tx
            .update(refreshToken)
            .set({ used_at: traits.encodeDate(at) })
            .where(and(eq(refreshToken.token, used), isNull(refreshToken.used_at))),
        ],
        rest: [
          tx
            .update(accessToken)
            .set({ security_stamp: SUPERSEDED_STAMP })
            .where(eq(accessToken.family, refresh.family)),
          // The record's amr, read under the lock the first gate took.
          tx.insert(accessToken).values({
            ...accessTokenToRow(access, traits),
            amr: sql`${tx.select({ amr: session.amr }).from(session).where(eq(session.id, refresh.family))}`,
          }),
          tx.insert(refreshToken).values(refreshTokenToRow(refresh, traits)),
        ],
      }));
      return stopped === 0 ? "ended" : stopped === 1 ? "used" : "rotated";
    });
  }

  getSession(family: string): Promise<SessionRecordRow<ID> | null> {
    const { traits, tables } = this.schema;
    const { session } = tables;
    return guard(traits, async () => {
      const [row] = await this.db.select().from(session).where(eq(session.id, family)).limit(1);
      if (!row) return null;
      return {
        id: row.id,
        userId: row.user_id as ID,
        createdAt: traits.decodeDate(row.created_at),
        amr: decodeAmr(row.amr),
      };
    });
  }

  deleteFamily(family: string): Promise<number> {
    const { refreshToken, accessToken, session } = this.schema.tables;
    return guard(this.schema.traits, async () => {
      // The record first (see rotate): each later statement sees a rotation that held its lock.
      const [, access = 0] = await inTransactionAll(this.db, this.schema, (tx) => [
        tx.delete(session).where(eq(session.id, family)),
        tx.delete(accessToken).where(eq(accessToken.family, family)),
        tx.delete(refreshToken).where(eq(refreshToken.family, family)),
      ]);
      return access;
    });
  }

  deleteByUser(userId: ID, options: { keepFamily?: string } = {}): Promise<number> {
    const { refreshToken, accessToken, session } = this.schema.tables;
    const { keepFamily } = options;
    return guard(this.schema.traits, async () => {
      const [ended = 0] = await inTransactionAll(this.db, this.schema, (tx) => [
        tx
          .delete(session)
          .where(
            and(
              eq(session.user_id, userId),
              keepFamily === undefined ? undefined : ne(session.id, keepFamily),
            ),
          ),
        tx
          .delete(accessToken)
          .where(
            and(
              eq(accessToken.user_id, userId),
              isNotNull(accessToken.family),
              keepFamily === undefined ? undefined : ne(accessToken.family, keepFamily),
            ),
          ),
        tx
          .delete(refreshToken)
          .where(
            and(
              eq(refreshToken.user_id, userId),
              keepFamily === undefined ? undefined : ne(refreshToken.family, keepFamily),
            ),
          ),
      ]);
      return ended;
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
      const rows = await this.#withAmr()
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

  /** Refresh tokens with their session record's `amr` (`null` once it is gone). */
  #withAmr() {
    const { refreshToken, session } = this.schema.tables;
    return this.db
      .select({ ...getTableColumns(refreshToken), amr: session.amr })
      .from(refreshToken)
      .leftJoin(session, eq(session.id, refreshToken.family));
  }

  /** Then the records of sessions that started before the bound and have no refresh token left. */
  async deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { traits, tables } = this.schema;
    const { refreshToken: table, session } = tables;
    const bound = traits.encodeDate(notBefore);
    const count = await deleteMatching(
      this.db,
      this.schema,
      table,
      lt(table.created_at, bound),
      options,
    );
    const tokens = this.db.select({ one: sql`1` }).from(table).where(eq(table.family, session.id));
    await guard(traits, async () => {
      await this.db.delete(session).where(and(lt(session.created_at, bound), notExists(tokens)));
    });
    return count;
  }
}
