import { and, asc, eq } from "drizzle-orm";
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
import {
  oauthAccountChange,
  oauthAccountToRow,
  rowToOAuthAccount,
  updatedOAuthAccount,
} from "../kysely/rows.js";
import { type AnyDrizzle, affectedRows, driverError, guard } from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";

/**
 * Accounts at identity providers linked to users, in tessera's (FastAPI
 * Users') `oauth_account` table through Drizzle: its unique index on
 * (oauth_name, account_id) links each provider account once, its foreign
 * key's cascade unlinks a deleted user's. Build it with {@link drizzleAdapter}.
 */
export class DrizzleOAuthAccountDatabase<ID> implements OAuthAccountDatabase<ID> {
  constructor(
    private readonly db: AnyDrizzle,
    readonly schema: DrizzleSchema,
  ) {}

  getByAccount(oauthName: string, accountId: string): Promise<OAuthAccount<ID> | null> {
    const table = this.schema.tables.oauthAccount;
    return guard(this.schema.traits, async () => {
      const [row] = await this.db
        .select()
        .from(table)
        .where(and(eq(table.oauth_name, oauthName), eq(table.account_id, accountId)))
        .limit(1);
      return row ? rowToOAuthAccount<ID>(row) : null;
    });
  }

  listByUser(userId: ID): Promise<OAuthAccount<ID>[]> {
    const table = this.schema.tables.oauthAccount;
    return guard(this.schema.traits, async () => {
      const rows = await this.db
        .select()
        .from(table)
        .where(eq(table.user_id, userId))
        .orderBy(asc(table.oauth_name), asc(table.account_id));
      return rows.map((row: Record<string, unknown>) => rowToOAuthAccount<ID>(row));
    });
  }

  add(data: OAuthAccountCreate<ID>): Promise<OAuthAccount<ID>> {
    const { traits, tables } = this.schema;
    return guard(traits, async () => {
      const row = oauthAccountToRow(newId(), data);
      try {
        await this.db.insert(tables.oauthAccount).values(row);
      } catch (error) {
        const cause = driverError(error);
        if (traits.isUniqueViolation(cause)) throw new OAuthAccountAlreadyLinked();
        // The user was deleted since the caller read it.
        if (traits.isForeignKeyViolation(cause)) throw new UserNotExists();
        throw error;
      }
      return { ...data, id: row.id };
    });
  }

  update(account: OAuthAccount<ID>, data: OAuthAccountUpdate): Promise<OAuthAccount<ID> | null> {
    const table = this.schema.tables.oauthAccount;
    return guard(this.schema.traits, async () => {
      const change = oauthAccountChange(data);
      if (Object.keys(change).length > 0) {
        const result = await this.db.update(table).set(change).where(eq(table.id, account.id));
        if (affectedRows(result) === 1) return updatedOAuthAccount(account, data);
      }
      // Nothing to write, or nothing written: MySQL counts the rows changed unless the
      // connection asks for those matched, so an update to the same values counts none.
      const [found] = await this.db
        .select({ id: table.id })
        .from(table)
        .where(eq(table.id, account.id))
        .limit(1);
      return found ? updatedOAuthAccount(account, data) : null;
    });
  }

  /**
   * In one transaction that reads the user's accounts first, locking them
   * (`FOR UPDATE`; on SQLite an immediate transaction holds the database's
   * write lock from its start), so of two unlinks racing the second sees
   * what the first left.
   */
  deleteByUser(userId: ID, oauthName: string, keepLast: boolean): Promise<OAuthUnlinkOutcome> {
    const table = this.schema.tables.oauthAccount;
    const decide = (names: { oauth_name: string }[]): OAuthUnlinkOutcome | null => {
      if (!names.some((row) => row.oauth_name === oauthName)) return "none";
      if (keepLast && names.every((row) => row.oauth_name === oauthName)) return "last";
      return null;
    };
    const mine = (tx: AnyDrizzle) =>
      tx.select({ oauth_name: table.oauth_name }).from(table).where(eq(table.user_id, userId));
    const unlink = (tx: AnyDrizzle) =>
      tx.delete(table).where(and(eq(table.user_id, userId), eq(table.oauth_name, oauthName)));
    return guard(this.schema.traits, async () => {
      if (this.schema.engine === "sqlite") {
        return this.db.transaction(
          (tx: AnyDrizzle) => {
            const outcome = decide(mine(tx).all());
            if (outcome) return outcome;
            unlink(tx).run();
            return "deleted";
          },
          { behavior: "immediate" },
        );
      }
      return this.db.transaction(async (tx: AnyDrizzle) => {
        const outcome = decide(await mine(tx).for("update"));
        if (outcome) return outcome;
        await unlink(tx);
        return "deleted";
      });
    });
  }
}
