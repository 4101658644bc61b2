import type { Kysely } from "kysely";
import { UserNotExists } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import {
  type OAuthAccount,
  OAuthAccountAlreadyLinked,
  type OAuthAccountCreate,
  type OAuthAccountDatabase,
  type OAuthAccountUpdate,
  type OAuthUnlinkOutcome,
} from "../../oauth/oauth-account.js";
import { guard } from "./guard.js";
import {
  oauthAccountChange,
  oauthAccountToRow,
  rowToOAuthAccount,
  updatedOAuthAccount,
} from "./rows.js";
import type { Schema } from "./schema.js";

/** Thrown inside an unlink's transaction to roll it back: it would have left no account. */
class KeptLast extends Error {}

/**
 * Accounts at identity providers linked to users, in FastAPI Users'
 * `oauth_account` table through Kysely (migration `0008_oauth_accounts`):
 * a unique index on (oauth_name, account_id) links each provider account
 * once, and the foreign key's cascade unlinks a deleted user's. Build it
 * with `kyselyAdapter`.
 */
export class KyselyOAuthAccountDatabase<ID> implements OAuthAccountDatabase<ID> {
  readonly #db: Kysely<any>;

  constructor(
    db: Kysely<any>,
    readonly schema: Schema,
  ) {
    this.#db = db.withoutPlugins();
  }

  getByAccount(oauthName: string, accountId: string): Promise<OAuthAccount<ID> | null> {
    const { engine, oauthAccountTable } = this.schema;
    return guard(engine, async () => {
      const row = await this.#db
        .selectFrom(oauthAccountTable)
        .selectAll()
        .where("oauth_name", "=", oauthName)
        .where("account_id", "=", accountId)
        .limit(1)
        .executeTakeFirst();
      return row ? rowToOAuthAccount<ID>(row) : null;
    });
  }

  listByUser(userId: ID): Promise<OAuthAccount<ID>[]> {
    const { engine, oauthAccountTable } = this.schema;
    return guard(engine, async () => {
      const rows = await this.#db
        .selectFrom(oauthAccountTable)
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("oauth_name")
        .orderBy("account_id")
        .execute();
      return rows.map((row) => rowToOAuthAccount<ID>(row));
    });
  }

  add(data: OAuthAccountCreate<ID>): Promise<OAuthAccount<ID>> {
    const { engine, oauthAccountTable } = this.schema;
    return guard(engine, async () => {
      const row = oauthAccountToRow(newId(), data);
      try {
        await this.#db.insertInto(oauthAccountTable).values(row).execute();
      } catch (error) {
        if (engine.isUniqueViolation(error)) throw new OAuthAccountAlreadyLinked();
        // The user was deleted since the caller read it.
        if (engine.isForeignKeyViolation(error)) throw new UserNotExists();
        throw error;
      }
      return { ...data, id: row.id };
    });
  }

  update(account: OAuthAccount<ID>, data: OAuthAccountUpdate): Promise<OAuthAccount<ID> | null> {
    const { engine, oauthAccountTable } = this.schema;
    return guard(engine, async () => {
      const change = oauthAccountChange(data);
      if (Object.keys(change).length > 0) {
        const result = await this.#db
          .updateTable(oauthAccountTable)
          .set(change)
          .where("id", "=", account.id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 1) return updatedOAuthAccount(account, data);
      }
      // Nothing to write, or nothing written: MySQL counts the rows changed unless the
      // connection asks for those matched, so an update to the same values counts none.
      const found = await this.#db
        .selectFrom(oauthAccountTable)
        .select("id")
        .where("id", "=", account.id)
        .executeTakeFirst();
      return found ? updatedOAuthAccount(account, data) : null;
    });
  }

  /**
   * With `keepLast`, in one transaction that first locks the user's rows
   * (`FOR UPDATE`; on SQLite the delete takes the database's write lock):
   * deletes, then rolls back if none of the user's accounts is left. Of two
   * unlinks racing, the second waits for the first and sees what it left.
   */
  deleteByUser(userId: ID, oauthName: string, keepLast: boolean): Promise<OAuthUnlinkOutcome> {
    const { engine, oauthAccountTable: table } = this.schema;
    const unlink = async (db: Kysely<any>) => {
      const deleted = await db
        .deleteFrom(table)
        .where("user_id", "=", userId)
        .where("oauth_name", "=", oauthName)
        .executeTakeFirst();
      return Number(deleted.numDeletedRows) > 0;
    };
    if (!keepLast) {
      return guard(engine, async () => ((await unlink(this.#db)) ? "deleted" : "none"));
    }
    return guard(engine, async () => {
      try {
        return await this.#db.transaction().execute(async (trx): Promise<OAuthUnlinkOutcome> => {
          const mine = () => {
            const query = trx.selectFrom(table).select("id").where("user_id", "=", userId);
            // A locking read also sees the latest rows, whatever the isolation level.
            return engine.lockingReads ? query.forUpdate() : query;
          };
          if (engine.lockingReads) await mine().execute();
          if (!(await unlink(trx))) return "none";
          if ((await mine().limit(1).executeTakeFirst()) === undefined) throw new KeptLast();
          return "deleted";
        });
      } catch (error) {
        if (error instanceof KeptLast) return "last";
        throw error;
      }
    });
  }
}
