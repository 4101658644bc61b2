import {
  and,
  desc,
  eq,
  getTableColumns,
  gte,
  inArray,
  isNull,
  lt,
  ne,
  notInArray,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { UserNotExists } from "../../core/errors.js";
import type { AccessToken, User } from "../../core/models.js";
import type {
  AccessTokenDatabase,
  DeleteExpiredOptions,
  SessionBounds,
  SessionRecord,
  TokenSession,
} from "../../sessions/access-token-database.js";
import { deleteInBatches } from "../../sessions/delete-in-batches.js";
import type { LookupPlan } from "../../testing/factory.js";
import type { UserRows } from "../../users/user-rows.js";
import {
  accessTokenToRow,
  rowToAccessToken,
  SESSION_COLUMNS,
  sqlUserRows,
  type UserRow,
} from "../kysely/rows.js";
import {
  type AnyDrizzle,
  affectedRows,
  createdSince,
  driverError,
  explain,
  guard,
  guardedNow,
} from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";

/** A prepared query of any engine: `execute` answers the rows. */
interface Prepared {
  execute(values: Record<string, unknown>): Promise<UserRow[]> | UserRow[];
}

/** A prepared query on better-sqlite3, whose `all` answers the rows at once. */
interface SqlitePrepared extends Prepared {
  all(values: Record<string, unknown>): UserRow[];
}

/**
 * Access tokens in tessera's access-token table through Drizzle. The token
 * lookups of authenticated requests are prepared once: one query (the token
 * joined to its user, the bounds in SQL) per request. Build it with
 * {@link drizzleAdapter}.
 */
export class DrizzleAccessTokenDatabase<U extends User<ID>, ID = U["id"]>
  implements AccessTokenDatabase<U, ID>
{
  readonly #rows: UserRows;
  readonly #userByToken: readonly [Prepared, Prepared];
  /** The session lookups, by which bounds apply: [none, absolute, idle, both]. */
  readonly #sessionByToken: readonly Prepared[];
  readonly #sessionRecord: Prepared;
  /** Offered on SQLite only (better-sqlite3 answers at once): there the lookups need no promise. */
  readonly getUserByTokenNow?: (token: string, notBefore: Date | null) => U | null | undefined;
  readonly getSessionByTokenNow?: (
    token: string,
    bounds: SessionBounds,
  ) => TokenSession<U> | null | undefined;

  constructor(
    private readonly db: AnyDrizzle,
    readonly schema: DrizzleSchema,
  ) {
    this.#rows = sqlUserRows(schema.userFields, schema.traits);
    const { user, accessToken: token } = schema.tables;
    const lastUse = sql`coalesce(${token.last_used_at}, ${token.created_at})`;
    const lookup = (columns: Record<string, unknown>, notBefore: boolean, idle: boolean) =>
      db
        .select({ ...getTableColumns(user), ...columns })
        .from(token)
        .innerJoin(user, eq(user.id, token.user_id))
        .where(
          and(
            eq(token.token, sql.placeholder("token")),
            eq(token.security_stamp, user.security_stamp),
            notBefore ? gte(token.created_at, sql.placeholder("notBefore")) : undefined,
            idle ? sql`${lastUse} >= ${sql.placeholder("idleSince")}` : undefined,
          ),
        );
    // No LIMIT: the token is the primary key, and Drizzle binds a limit as a parameter,
    // which makes SQLite run the lookup three times slower.
    // SQLite prepares against the file now: an unmigrated one is refused here, as not migrated.
    const prepare = (query: AnyDrizzle, name: string): Prepared => {
      try {
        return schema.engine === "postgres"
          ? query.prepare(`${schema.statementPrefix}_${name}`)
          : query.prepare();
      } catch (error) {
        throw guardedNow(schema.traits, error);
      }
    };
    this.#userByToken = [
      prepare(lookup({}, false, false), "user"),
      prepare(lookup({}, true, false), "user_expiry"),
    ];
    const stale = {
      [SESSION_COLUMNS.stale]: sql<boolean>`(${lastUse} < ${sql.placeholder("staleBefore")})`,
    };
    this.#sessionByToken = [
      prepare(lookup(stale, false, false), "session"),
      prepare(lookup(stale, true, false), "session_expiry"),
      prepare(lookup(stale, false, true), "session_idle"),
      prepare(lookup(stale, true, true), "session_both"),
    ];
    this.#sessionRecord = prepare(
      lookup(
        {
          [SESSION_COLUMNS.createdAt]: token.created_at,
          [SESSION_COLUMNS.lastUsedAt]: token.last_used_at,
          [SESSION_COLUMNS.family]: token.family,
        },
        false,
        false,
      ),
      "record",
    );
    // Not where a subclass changes the lookups: the answer at once would skip its own.
    const own = DrizzleAccessTokenDatabase.prototype;
    const lookupsAsDefined =
      this.getUserByToken === own.getUserByToken &&
      this.getSessionByToken === own.getSessionByToken;
    if (schema.engine === "sqlite" && lookupsAsDefined) {
      this.getUserByTokenNow = (token, notBefore) => {
        const row = this.#firstNow(...this.#userQuery(token, notBefore));
        return row && this.#rows.toUser<U, ID>(row);
      };
      this.getSessionByTokenNow = (token, bounds) =>
        this.#session(this.#firstNow(...this.#sessionQuery(token, bounds)));
    }
  }

  #first(prepared: Prepared, values: Record<string, unknown>): Promise<UserRow | null> {
    return guard(this.schema.traits, async () => (await prepared.execute(values))[0] ?? null);
  }

  /** The first row of a query better-sqlite3 runs at once, its errors as {@link guard}'s. */
  #firstNow(prepared: Prepared, values: Record<string, unknown>): UserRow | null {
    try {
      return (prepared as SqlitePrepared).all(values)[0] ?? null;
    } catch (error) {
      throw guardedNow(this.schema.traits, error);
    }
  }

  async getUserByToken(token: string, notBefore: Date | null): Promise<U | null> {
    const row = await this.#first(...this.#userQuery(token, notBefore));
    return row && this.#rows.toUser<U, ID>(row);
  }

  #userQuery(token: string, notBefore: Date | null): [Prepared, Record<string, unknown>] {
    if (notBefore === null) return [this.#userByToken[0], { token }];
    return [this.#userByToken[1], { token, notBefore: this.schema.traits.encodeDate(notBefore) }];
  }

  async getSessionByToken(token: string, bounds: SessionBounds): Promise<TokenSession<U> | null> {
    return this.#session(await this.#first(...this.#sessionQuery(token, bounds)));
  }

  #sessionQuery(token: string, bounds: SessionBounds): [Prepared, Record<string, unknown>] {
    const { traits } = this.schema;
    const values: Record<string, unknown> = {
      token,
      staleBefore: traits.encodeDate(bounds.staleBefore),
    };
    let variant = 0;
    if (bounds.notBefore !== null) {
      values.notBefore = traits.encodeDate(bounds.notBefore);
      variant += 1;
    }
    if (bounds.idleSince !== null) {
      values.idleSince = traits.encodeDate(bounds.idleSince);
      variant += 2;
    }
    return [this.#sessionByToken[variant] as Prepared, values];
  }

  #session(row: UserRow | null): TokenSession<U> | null {
    if (row === null) return null;
    return { user: this.#rows.toUser<U, ID>(row), stale: Boolean(row[SESSION_COLUMNS.stale]) };
  }

  async getSessionRecord(token: string): Promise<SessionRecord<U> | null> {
    const { traits } = this.schema;
    const row = await this.#first(this.#sessionRecord, { token });
    if (row === null) return null;
    const lastUsedAt = row[SESSION_COLUMNS.lastUsedAt];
    const family = row[SESSION_COLUMNS.family];
    return {
      user: this.#rows.toUser<U, ID>(row),
      createdAt: traits.decodeDate(row[SESSION_COLUMNS.createdAt]),
      lastUsedAt: lastUsedAt == null ? null : traits.decodeDate(lastUsedAt),
      family: family == null ? null : String(family),
    };
  }

  touch(token: string, at: Date, staleBefore: Date): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.accessToken;
    return guard(traits, async () => {
      const result = await this.db
        .update(table)
        .set({ last_used_at: traits.encodeDate(at) })
        .where(
          and(
            eq(table.token, token),
            or(isNull(table.last_used_at), lt(table.last_used_at, traits.encodeDate(staleBefore))),
          ),
        );
      return affectedRows(result) === 1;
    });
  }

  getByToken(token: string, notBefore: Date | null): Promise<AccessToken<ID> | null> {
    const { traits, tables } = this.schema;
    const table = tables.accessToken;
    return guard(traits, async () => {
      const [row] = await this.db
        .select()
        .from(table)
        .where(and(eq(table.token, token), createdSince(table, notBefore, traits)))
        .limit(1);
      return row ? rowToAccessToken<ID>(row, traits) : null;
    });
  }

  create(data: AccessToken<ID>): Promise<AccessToken<ID>> {
    const { traits, tables } = this.schema;
    return guard(traits, async () => {
      try {
        await this.db.insert(tables.accessToken).values(accessTokenToRow(data, traits));
      } catch (error) {
        // The user was deleted since the login read it.
        if (traits.isForeignKeyViolation(driverError(error))) {
          throw new UserNotExists();
        }
        throw error;
      }
      return {
        ip: null,
        userAgent: null,
        label: null,
        amr: [],
        lastUsedAt: null,
        family: null,
        ...data,
      };
    });
  }

  update(
    accessToken: AccessToken<ID>,
    data: Partial<Omit<AccessToken<ID>, "token">>,
  ): Promise<AccessToken<ID>> {
    const { traits, tables } = this.schema;
    const table = tables.accessToken;
    return guard(traits, async () => {
      const row: Record<string, unknown> = {};
      if (data.userId !== undefined) row.user_id = data.userId;
      if (data.createdAt !== undefined) row.created_at = traits.encodeDate(data.createdAt);
      if (data.securityStamp !== undefined) row.security_stamp = data.securityStamp;
      if (data.label !== undefined) row.label = data.label;
      if (data.lastUsedAt !== undefined) {
        row.last_used_at = data.lastUsedAt && traits.encodeDate(data.lastUsedAt);
      }
      if (Object.keys(row).length > 0) {
        await this.db.update(table).set(row).where(eq(table.token, accessToken.token));
      }
      return { ...accessToken, ...data };
    });
  }

  delete(token: string): Promise<void> {
    const table = this.schema.tables.accessToken;
    return guard(this.schema.traits, async () => {
      await this.db.delete(table).where(eq(table.token, token));
    });
  }

  deleteByUser(userId: ID, options: { keep?: string } = {}): Promise<number> {
    const table = this.schema.tables.accessToken;
    return guard(this.schema.traits, async () => {
      const keep = options.keep === undefined ? undefined : ne(table.token, options.keep);
      return affectedRows(await this.db.delete(table).where(and(eq(table.user_id, userId), keep)));
    });
  }

  deleteAllButNewest(userId: ID, keep: number): Promise<number> {
    const table = this.schema.tables.accessToken;
    return guard(this.schema.traits, async () => {
      // The newest `keep` by (created_at, token): one order every concurrent caller agrees on.
      // A derived table, because MySQL takes no LIMIT in an IN subquery on the table it deletes from.
      const newest = this.db
        .select({ token: table.token })
        .from(table)
        .where(eq(table.user_id, userId))
        .orderBy(desc(table.created_at), desc(table.token))
        .limit(keep)
        .as("newest");
      const kept = this.db.select({ token: newest.token }).from(newest);
      const result = await this.db
        .delete(table)
        .where(and(eq(table.user_id, userId), notInArray(table.token, kept)));
      return affectedRows(result);
    });
  }

  restamp(token: string, from: number, to: number): Promise<boolean> {
    const table = this.schema.tables.accessToken;
    return guard(this.schema.traits, async () => {
      const result = await this.db
        .update(table)
        .set({ security_stamp: to })
        .where(and(eq(table.token, token), eq(table.security_stamp, from)));
      return affectedRows(result) === 1;
    });
  }

  deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { traits, tables } = this.schema;
    const table = tables.accessToken;
    const { idleSince = null } = options;
    const expired = or(
      lt(table.created_at, traits.encodeDate(notBefore)),
      idleSince === null
        ? undefined
        : sql`coalesce(${table.last_used_at}, ${table.created_at}) < ${traits.encodeDate(idleSince)}`,
    ) as SQL;
    return deleteMatching(this.db, this.schema, table, expired, options);
  }

  listByUser(userId: ID, notBefore: Date | null): Promise<AccessToken<ID>[]> {
    const { traits, tables } = this.schema;
    const table = tables.accessToken;
    return guard(traits, async () => {
      const rows = await this.db
        .select()
        .from(table)
        .where(and(eq(table.user_id, userId), createdSince(table, notBefore, traits)))
        .orderBy(desc(table.created_at));
      return rows.map((row: Record<string, unknown>) => rowToAccessToken<ID>(row, traits));
    });
  }

  /** How the engine would run {@link getUserByToken}, to check it stays an index lookup. */
  explainUserByToken(token: string, notBefore: Date | null): Promise<LookupPlan> {
    const { user, accessToken: table } = this.schema.tables;
    const query = this.db
      .select(getTableColumns(user))
      .from(table)
      .innerJoin(user, eq(user.id, table.user_id))
      .where(
        and(
          eq(table.token, token),
          eq(table.security_stamp, user.security_stamp),
          createdSince(table, notBefore, this.schema.traits),
        ),
      )
      .limit(1);
    return guard(this.schema.traits, () => explain(this.db, this.schema.engine, query));
  }
}

/**
 * Deletes every row of a token table matching `where`: in one statement, or
 * with `batchSize` in batches (MySQL's `DELETE … LIMIT`; elsewhere the keys
 * of one batch, selected with a `LIMIT`).
 */
export function deleteMatching(
  db: AnyDrizzle,
  schema: DrizzleSchema,
  // biome-ignore lint/suspicious/noExplicitAny: a token table of any engine.
  table: any,
  where: SQL,
  options: { batchSize?: number; dutyCycle?: number },
): Promise<number> {
  const { batchSize, dutyCycle } = options;
  const run = (query: unknown) =>
    guard(schema.traits, async () => affectedRows(await (query as Promise<unknown>)));
  if (batchSize === undefined) return run(db.delete(table).where(where));
  return deleteInBatches(
    () =>
      run(
        schema.engine === "mysql"
          ? db.delete(table).where(where).limit(batchSize)
          : db
              .delete(table)
              .where(
                inArray(
                  table.token,
                  db.select({ token: table.token }).from(table).where(where).limit(batchSize),
                ),
              ),
      ),
    batchSize,
    dutyCycle,
  );
}
