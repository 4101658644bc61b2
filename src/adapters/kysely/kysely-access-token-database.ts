import { type CompiledQuery, type ExpressionBuilder, type Kysely, sql } from "kysely";
import { UserNotExists } from "../../core/errors.js";
import type { AccessToken, User } from "../../core/models.js";
import type {
  AccessTokenDatabase,
  DeleteExpiredOptions,
  SessionBounds,
  SessionRecord,
  TokenSession,
} from "../../sessions/access-token-database.js";
import type { UserRows } from "../../users/user-rows.js";
import { deleteMatching } from "./delete-batch.js";
import type { QueryPlan } from "./engine.js";
import { guard, guarded } from "./guard.js";
import { type ImmediateExecutor, immediateExecutorOf } from "./immediate-executor.js";
import {
  accessTokenToRow,
  rowToAccessToken,
  SESSION_COLUMNS,
  sqlUserRows,
  type UserRow,
} from "./rows.js";
import type { Schema } from "./schema.js";

/**
 * Access tokens in a SQL table through Kysely. The per-request lookup
 * ({@link getUserByToken}) is compiled once, so a request costs one prepared
 * query and no query building; on the embedded SQLite it runs at once on the
 * connection when that is free. Build it with {@link kyselyAdapter}.
 */
export class KyselyAccessTokenDatabase<U extends User<ID>, ID = U["id"]>
  implements AccessTokenDatabase<U, ID>
{
  readonly #db: Kysely<any>;
  readonly #rows: UserRows;
  readonly #immediate: ImmediateExecutor | undefined;
  readonly #userByToken: CompiledQuery;
  readonly #userByTokenNoExpiry: CompiledQuery;
  /** The session lookups, by which bounds apply: [none, absolute, idle, both]. */
  readonly #sessionByToken: readonly CompiledQuery[];
  readonly #sessionRecord: CompiledQuery;
  /** Offered on SQLite only, whose queries can run at once: there the lookups need no promise. */
  readonly getUserByTokenNow?: (token: string, notBefore: Date | null) => U | null | undefined;
  readonly getSessionByTokenNow?: (
    token: string,
    bounds: SessionBounds,
  ) => TokenSession<U> | null | undefined;
  // Requests in the same millisecond share their bounds: each encoded once, not once per request.
  readonly #expiryBound: EncodedDate;
  readonly #idleBound: EncodedDate;
  readonly #staleBound: EncodedDate;

  constructor(
    db: Kysely<any>,
    readonly schema: Schema,
  ) {
    this.#db = db.withoutPlugins();
    this.#rows = sqlUserRows(schema.userFields, schema.engine);
    this.#immediate = immediateExecutorOf(db);
    // Not where a subclass changes the lookups: the answer at once would skip its own.
    const own = KyselyAccessTokenDatabase.prototype;
    const lookupsAsDefined =
      this.getUserByToken === own.getUserByToken &&
      this.getSessionByToken === own.getSessionByToken;
    if (this.#immediate !== undefined && lookupsAsDefined) {
      this.getUserByTokenNow = (token, notBefore) =>
        this.#lookUpNow(this.#userByTokenQuery(token, notBefore), this.#toUser);
      this.getSessionByTokenNow = (token, bounds) =>
        this.#lookUpNow(this.#sessionQuery(token, bounds), this.#toSession);
    }
    this.#expiryBound = new EncodedDate(schema.engine);
    this.#idleBound = new EncodedDate(schema.engine);
    this.#staleBound = new EncodedDate(schema.engine);
    const lookup = this.#db
      .selectFrom(`${schema.accessTokenTable} as t`)
      .innerJoin(`${schema.userTable} as u`, "u.id", "t.user_id")
      .selectAll("u")
      .where("t.token", "=", "")
      .whereRef("t.security_stamp", "=", "u.security_stamp");
    this.#userByTokenNoExpiry = lookup.compile();
    this.#userByToken = lookup.where("t.created_at", ">=", "").compile();
    this.#sessionRecord = lookup
      .select([
        `t.created_at as ${SESSION_COLUMNS.createdAt}`,
        `t.last_used_at as ${SESSION_COLUMNS.lastUsedAt}`,
        `t.family as ${SESSION_COLUMNS.family}`,
      ])
      .compile();
    const lastUse = sql<unknown>`coalesce(t.last_used_at, t.created_at)`;
    // The stale flag's parameter comes first: it is in the select list.
    const session = lookup.select(sql<boolean>`(${lastUse} < ${""})`.as(SESSION_COLUMNS.stale));
    this.#sessionByToken = [
      session.compile(),
      session.where("t.created_at", ">=", "").compile(),
      session.where(lastUse, ">=", "").compile(),
      session.where("t.created_at", ">=", "").where(lastUse, ">=", "").compile(),
    ];
  }

  readonly #toUser = (row: UserRow | null): U | null => row && this.#rows.toUser<U, ID>(row);

  readonly #toSession = (row: UserRow | null): TokenSession<U> | null =>
    row && { user: this.#rows.toUser<U, ID>(row), stale: Boolean(row[SESSION_COLUMNS.stale]) };

  readonly #toRecord = (row: UserRow | null): SessionRecord<U> | null => {
    if (row === null) return null;
    const { engine } = this.schema;
    const lastUsedAt = row[SESSION_COLUMNS.lastUsedAt];
    const family = row[SESSION_COLUMNS.family];
    return {
      user: this.#rows.toUser<U, ID>(row),
      createdAt: engine.decodeDate(row[SESSION_COLUMNS.createdAt]),
      lastUsedAt: lastUsedAt == null ? null : engine.decodeDate(lastUsedAt),
      family: family == null ? null : String(family),
    };
  };

  /**
   * A one-row lookup, answered from its row: at once on an embedded database
   * whose connection is free (no Kysely executor, one promise), else through Kysely.
   */
  #lookUp<T>(query: Lookup, answer: (row: UserRow | null) => T): Promise<T> {
    try {
      const now = this.#lookUpNow(query, answer);
      if (now !== undefined) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#db.executeQuery<UserRow>(compiledWith(query)).then(
      ({ rows }) => answer(rows[0] ?? null),
      (error: unknown) => {
        throw guarded(this.schema.engine, error);
      },
    );
  }

  /** {@link #lookUp}'s answer at once, or `undefined` when it has to go through Kysely. */
  #lookUpNow<T>(query: Lookup, answer: (row: UserRow | null) => T): T | undefined {
    if (this.#immediate === undefined) return undefined;
    let row: UserRow | null | undefined;
    try {
      row = this.#immediate.firstRowNow<UserRow>(query.compiled.sql, query.parameters);
    } catch (error) {
      throw guarded(this.schema.engine, error);
    }
    return row === undefined ? undefined : answer(row);
  }

  getSessionByToken(token: string, bounds: SessionBounds): Promise<TokenSession<U> | null> {
    return this.#lookUp(this.#sessionQuery(token, bounds), this.#toSession);
  }

  #sessionQuery(token: string, bounds: SessionBounds): Lookup {
    const parameters: unknown[] = [this.#staleBound.encode(bounds.staleBefore), token];
    let variant = 0;
    if (bounds.notBefore !== null) {
      parameters.push(this.#expiryBound.encode(bounds.notBefore));
      variant += 1;
    }
    if (bounds.idleSince !== null) {
      parameters.push(this.#idleBound.encode(bounds.idleSince));
      variant += 2;
    }
    return { compiled: this.#sessionByToken[variant] as CompiledQuery, parameters };
  }

  getSessionRecord(token: string): Promise<SessionRecord<U> | null> {
    return this.#lookUp({ compiled: this.#sessionRecord, parameters: [token] }, this.#toRecord);
  }

  touch(token: string, at: Date, staleBefore: Date): Promise<boolean> {
    const { engine, accessTokenTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .updateTable(accessTokenTable)
        .set({ last_used_at: engine.encodeDate(at) })
        .where("token", "=", token)
        .where((eb) =>
          eb.or([
            eb("last_used_at", "is", null),
            eb("last_used_at", "<", engine.encodeDate(staleBefore)),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  // The hot path of every authenticated request: no more promises than it needs.
  getUserByToken(token: string, notBefore: Date | null): Promise<U | null> {
    return this.#lookUp(this.#userByTokenQuery(token, notBefore), this.#toUser);
  }

  /**
   * How the database would run {@link getUserByToken} for these arguments, to
   * check that it stays an index lookup on large tables.
   */
  explainUserByToken(token: string, notBefore: Date | null): Promise<QueryPlan> {
    const { engine } = this.schema;
    const query = compiledWith(this.#userByTokenQuery(token, notBefore));
    return guard(engine, () => engine.explain(this.#db, query));
  }

  #userByTokenQuery(token: string, notBefore: Date | null): Lookup {
    if (notBefore === null) return { compiled: this.#userByTokenNoExpiry, parameters: [token] };
    return {
      compiled: this.#userByToken,
      parameters: [token, this.#expiryBound.encode(notBefore)],
    };
  }

  getByToken(token: string, notBefore: Date | null): Promise<AccessToken<ID> | null> {
    const { engine, accessTokenTable } = this.schema;
    return guard(engine, async () => {
      let query = this.#db.selectFrom(accessTokenTable).selectAll().where("token", "=", token);
      if (notBefore !== null) query = query.where("created_at", ">=", engine.encodeDate(notBefore));
      const row = await query.executeTakeFirst();
      return row ? rowToAccessToken<ID>(row, engine) : null;
    });
  }

  create(data: AccessToken<ID>): Promise<AccessToken<ID>> {
    const { engine, accessTokenTable } = this.schema;
    return guard(engine, async () => {
      await this.#db
        .insertInto(accessTokenTable)
        .values(accessTokenToRow(data, engine))
        .execute()
        .catch((error: unknown) => {
          // The user was deleted since the login read it.
          if (engine.isForeignKeyViolation(error)) throw new UserNotExists();
          throw error;
        });
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
    const { engine, accessTokenTable } = this.schema;
    return guard(engine, async () => {
      const row: Record<string, unknown> = {};
      if (data.userId !== undefined) row.user_id = data.userId;
      if (data.createdAt !== undefined) row.created_at = engine.encodeDate(data.createdAt);
      if (data.securityStamp !== undefined) row.security_stamp = data.securityStamp;
      if (data.label !== undefined) row.label = data.label;
      if (data.lastUsedAt !== undefined) {
        row.last_used_at = data.lastUsedAt && engine.encodeDate(data.lastUsedAt);
      }
      if (Object.keys(row).length > 0) {
        await this.#db
          .updateTable(accessTokenTable)
          .set(row)
          .where("token", "=", accessToken.token)
          .execute();
      }
      return { ...accessToken, ...data };
    });
  }

  delete(token: string): Promise<void> {
    return guard(this.schema.engine, async () => {
      await this.#db.deleteFrom(this.schema.accessTokenTable).where("token", "=", token).execute();
    });
  }

  deleteByUser(userId: ID, options: { keep?: string } = {}): Promise<number> {
    return guard(this.schema.engine, async () => {
      let query = this.#db.deleteFrom(this.schema.accessTokenTable).where("user_id", "=", userId);
      if (options.keep !== undefined) query = query.where("token", "!=", options.keep);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  deleteAllButNewest(userId: ID, keep: number): Promise<number> {
    const { engine, accessTokenTable } = this.schema;
    return guard(engine, async () => {
      // The newest `keep` by (created_at, token): one order every concurrent caller agrees on.
      // A derived table, because MySQL takes no LIMIT in an IN subquery on the table it deletes from.
      const newest = this.#db
        .selectFrom(
          this.#db
            .selectFrom(accessTokenTable)
            .select("token")
            .where("user_id", "=", userId)
            .orderBy("created_at", "desc")
            .orderBy("token", "desc")
            .limit(keep)
            .as("newest"),
        )
        .select("newest.token");
      const trim = this.#db
        .deleteFrom(accessTokenTable)
        .where("user_id", "=", userId)
        .where("token", "not in", newest);
      return Number((await trim.executeTakeFirst()).numDeletedRows);
    });
  }

  restamp(token: string, from: number, to: number): Promise<boolean> {
    return guard(this.schema.engine, async () => {
      const result = await this.#db
        .updateTable(this.schema.accessTokenTable)
        .set({ security_stamp: to })
        .where("token", "=", token)
        .where("security_stamp", "=", from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  async deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { engine, accessTokenTable } = this.schema;
    const bound = engine.encodeDate(notBefore);
    const { idleSince = null } = options;
    const idleBound = idleSince && engine.encodeDate(idleSince);
    const expired = (eb: ExpressionBuilder<any, any>) =>
      idleBound === null
        ? eb("created_at", "<", bound)
        : eb.or([
            eb("created_at", "<", bound),
            eb(sql<unknown>`coalesce(last_used_at, created_at)`, "<", idleBound),
          ]);
    return deleteMatching(this.#db, engine, accessTokenTable, expired, options);
  }

  listByUser(userId: ID, notBefore: Date | null): Promise<AccessToken<ID>[]> {
    const { engine, accessTokenTable } = this.schema;
    return guard(engine, async () => {
      let query = this.#db
        .selectFrom(accessTokenTable)
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at", "desc");
      if (notBefore !== null) query = query.where("created_at", ">=", engine.encodeDate(notBefore));
      const rows = await query.execute();
      return rows.map((row) => rowToAccessToken<ID>(row, engine));
    });
  }
}

/** A date as the engine binds it, encoded again only when the date changes. */
class EncodedDate {
  #time = Number.NaN;
  #value: unknown;

  constructor(private readonly engine: Schema["engine"]) {}

  encode(date: Date): unknown {
    if (date.getTime() !== this.#time) {
      this.#value = this.engine.encodeDate(date);
      this.#time = date.getTime();
    }
    return this.#value;
  }
}

/** A compiled lookup and this request's parameters: Kysely's whole query is built only when Kysely runs it. */
interface Lookup {
  readonly compiled: CompiledQuery;
  readonly parameters: unknown[];
}

function compiledWith({ compiled, parameters }: Lookup): CompiledQuery {
  return { ...compiled, parameters };
}
