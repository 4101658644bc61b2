import type { Document } from "mongodb";
import { newId } from "../../core/ids.js";
import {
  type OAuthAccount,
  OAuthAccountAlreadyLinked,
  type OAuthAccountCreate,
  type OAuthAccountDatabase,
  type OAuthAccountUpdate,
  type OAuthUnlinkOutcome,
} from "../../oauth/oauth-account.js";
import { oauthAccountChange, updatedOAuthAccount } from "../kysely/rows.js";
import { guard, isDuplicateKey } from "./guard.js";
import { type IdCodec, storedUserId } from "./ids.js";
import type { MongoSchema } from "./schema.js";

/**
 * Accounts at identity providers linked to users, in a MongoDB collection
 * whose fields are FastAPI Users' `oauth_account` columns and whose `_id` is
 * the account's UUID. A unique index on (oauth_name, account_id) (see
 * `ensureIndexes`) links each provider account once; the user's deletion
 * deletes their accounts. Build it with {@link mongoAdapter}.
 */
export class MongoOAuthAccountDatabase implements OAuthAccountDatabase<string> {
  constructor(readonly schema: MongoSchema) {}

  getByAccount(oauthName: string, accountId: string): Promise<OAuthAccount<string> | null> {
    return guard(async () => {
      const document = await this.schema.oauthAccounts.findOne({
        oauth_name: oauthName,
        account_id: accountId,
      });
      return document ? documentToOAuthAccount(document, this.schema.ids) : null;
    });
  }

  listByUser(userId: string): Promise<OAuthAccount<string>[]> {
    return guard(async () => {
      const stored = this.schema.ids.toStored(userId);
      if (stored === null) return [];
      const documents = await this.schema.oauthAccounts
        .find({ user_id: stored })
        .sort({ oauth_name: 1, account_id: 1 })
        .toArray();
      return documents.map((document) => documentToOAuthAccount(document, this.schema.ids));
    });
  }

  add(data: OAuthAccountCreate<string>): Promise<OAuthAccount<string>> {
    return guard(async () => {
      const id = newId();
      const document: Document = {
        _id: id,
        oauth_name: data.oauthName,
        access_token: data.accessToken,
        expires_at: data.expiresAt,
        refresh_token: data.refreshToken,
        account_id: data.accountId,
        account_email: data.accountEmail,
        user_id: storedUserId(this.schema.ids, data.userId),
      };
      try {
        await this.schema.oauthAccounts.insertOne(document);
      } catch (error) {
        if (isDuplicateKey(error)) throw new OAuthAccountAlreadyLinked();
        throw error;
      }
      return { ...data, id };
    });
  }

  update(
    account: OAuthAccount<string>,
    data: OAuthAccountUpdate,
  ): Promise<OAuthAccount<string> | null> {
    return guard(async () => {
      const change = oauthAccountChange(data);
      const found =
        Object.keys(change).length > 0
          ? (await this.schema.oauthAccounts.updateOne({ _id: account.id }, { $set: change }))
              .matchedCount === 1
          : (await this.schema.oauthAccounts.countDocuments({ _id: account.id }, { limit: 1 })) ===
            1;
      return found ? updatedOAuthAccount(account, data) : null;
    });
  }

  /**
   * Without transactions (FerretDB and single servers have none; only
   * single-document writes and unique indexes are atomic there), `keepLast`
   * is kept by checking after the fact: the accounts are deleted, then the
   * user's accounts counted again, and if none is left (a racing unlink took
   * the others) the deleted ones are stored again and the answer is `"last"`.
   * Of two unlinks racing, the second to count sees the first's delete, so at
   * least one account remains; in between, a sign-in with the account being
   * unlinked may find it gone.
   */
  deleteByUser(userId: string, oauthName: string, keepLast: boolean): Promise<OAuthUnlinkOutcome> {
    return guard(async (): Promise<OAuthUnlinkOutcome> => {
      const { oauthAccounts } = this.schema;
      const user_id = this.schema.ids.toStored(userId);
      if (user_id === null) return "none";
      const mine = { user_id, oauth_name: oauthName };
      if (!keepLast) {
        const { deletedCount } = await oauthAccounts.deleteMany(mine);
        return deletedCount > 0 ? "deleted" : "none";
      }
      const doomed = await oauthAccounts.find(mine).toArray();
      if (doomed.length === 0) return "none";
      const others = { user_id, oauth_name: { $ne: oauthName } };
      if ((await oauthAccounts.countDocuments(others, { limit: 1 })) === 0) return "last";
      const ids = doomed.map((document) => document._id);
      const { deletedCount } = await oauthAccounts.deleteMany({ _id: { $in: ids } });
      if (deletedCount === 0) return "none";
      if ((await oauthAccounts.countDocuments({ user_id }, { limit: 1 })) > 0) return "deleted";
      for (const document of doomed) {
        try {
          await oauthAccounts.insertOne(document);
        } catch (error) {
          // Stored again by a racing unlink that restored it too, or linked anew meanwhile.
          if (!isDuplicateKey(error)) throw error;
        }
      }
      return "last";
    });
  }
}

function documentToOAuthAccount(document: Document, ids: IdCodec): OAuthAccount<string> {
  return {
    id: String(document._id),
    oauthName: document.oauth_name as string,
    accessToken: document.access_token as string,
    expiresAt: document.expires_at ?? null,
    refreshToken: document.refresh_token ?? null,
    accountId: document.account_id as string,
    accountEmail: document.account_email as string,
    userId: ids.fromStored(document.user_id),
  };
}
