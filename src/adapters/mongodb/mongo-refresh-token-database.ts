import type { Document, Filter } from "mongodb";
import type { DeleteExpiredOptions } from "../../db/access-token-database.js";
import type { RefreshTokenDatabase } from "../../db/refresh-token-database.js";
import type { AccessToken, RefreshToken, User } from "../../models.js";
import {
  accessTokenDocument,
  documentToRefreshToken,
  refreshTokenDocument,
  UserDocuments,
} from "./documents.js";
import { guard, isDuplicateKey } from "./guard.js";
import { storedUserId } from "./ids.js";
import { deleteMatching, tokenFilter } from "./mongo-access-token-database.js";
import type { MongoSchema, StoredDocument } from "./schema.js";

/**
 * Rotating refresh tokens in a MongoDB collection beside the access tokens.
 * Without multi-document transactions (FerretDB and single servers have
 * none), writes to both collections are ordered so that a write cut short
 * leaves nothing a client can use: the refresh token is stored before its
 * access token, and a rotation marks the used token before it replaces the
 * family's access tokens. Build it with {@link mongoAdapter}.
 */
export class MongoRefreshTokenDatabase<U extends User<string>>
  implements RefreshTokenDatabase<U, string>
{
  readonly #documents: UserDocuments;

  constructor(readonly schema: MongoSchema) {
    this.#documents = new UserDocuments(schema.userFields, schema.ids);
  }

  /**
   * The refresh token first: if the access token then cannot be stored, the
   * refresh token is deleted again (and, should that fail too, it was never
   * handed out: nobody holds it).
   */
  create(access: AccessToken<string>, refresh: RefreshToken<string>): Promise<void> {
    return guard(async () => {
      const userId = storedUserId(this.schema.ids, refresh.userId);
      await this.schema.refreshTokens.insertOne(refreshTokenDocument(refresh, userId));
      try {
        await this.schema.accessTokens.insertOne(accessTokenDocument(access, userId));
      } catch (error) {
        await this.schema.refreshTokens.deleteOne({ _id: refresh.token }).catch(() => {});
        throw error;
      }
    });
  }

  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<string>; user: U | null } | null> {
    return guard(async () => {
      const document = await this.schema.refreshTokens.findOne(tokenFilter(token, notBefore));
      if (!document) return null;
      const user = await this.schema.users.findOne({
        _id: document.user_id,
        security_stamp: document.security_stamp,
      });
      return {
        refresh: documentToRefreshToken(document, this.schema.ids),
        user: user ? this.#documents.toUser<U>(user) : null,
      };
    });
  }

  /**
   * A rotation first claims the used token by inserting a marker document
   * whose `_id` derives from it: the unique `_id` lets exactly one of
   * concurrent rotations win, on any server (FerretDB applies an update's
   * filter apart from its write, so a compare-and-set on `used_at` alone
   * would let several through). Only the winner marks the token used,
   * replaces the family's access tokens and stores the new pair (refresh
   * token first, as in {@link create}). The marker goes with its family, or
   * with the purge.
   */
  rotate(
    used: string,
    at: Date,
    access: AccessToken<string>,
    refresh: RefreshToken<string>,
  ): Promise<boolean> {
    return guard(async () => {
      const marker: Document = {
        _id: `used:${used}`,
        family: refresh.family,
        created_at: at,
        used_at: at,
      };
      try {
        await this.schema.refreshTokens.insertOne(marker);
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
      const marked = await this.schema.refreshTokens.updateOne(
        { _id: used, used_at: null },
        { $set: { used_at: at } },
      );
      if (marked.modifiedCount !== 1) {
        // Gone, or used before markers existed: nothing to rotate.
        await this.schema.refreshTokens.deleteOne({ _id: marker._id });
        return false;
      }
      const userId = storedUserId(this.schema.ids, refresh.userId);
      await this.schema.accessTokens.deleteMany({ family: refresh.family });
      await this.schema.refreshTokens.insertOne(refreshTokenDocument(refresh, userId));
      await this.schema.accessTokens.insertOne(accessTokenDocument(access, userId));
      return true;
    });
  }

  /** The access tokens first: once they are gone the family cannot be used. */
  deleteFamily(family: string): Promise<number> {
    return guard(async () => {
      const { deletedCount } = await this.schema.accessTokens.deleteMany({ family });
      await this.schema.refreshTokens.deleteMany({ family });
      return deletedCount;
    });
  }

  deleteByUser(userId: string, options: { keepFamily?: string } = {}): Promise<number> {
    return guard(async () => {
      const filter: Filter<StoredDocument> = { user_id: storedUserId(this.schema.ids, userId) };
      if (options.keepFamily !== undefined) filter.family = { $ne: options.keepFamily };
      return (await this.schema.refreshTokens.deleteMany(filter)).deletedCount;
    });
  }

  restampFamily(family: string, from: number, to: number): Promise<void> {
    return guard(async () => {
      await this.schema.refreshTokens.updateMany(
        { family, security_stamp: from, used_at: null },
        { $set: { security_stamp: to } },
      );
    });
  }

  listByUser(userId: string, notBefore: Date | null): Promise<RefreshToken<string>[]> {
    return guard(async () => {
      const filter: Filter<StoredDocument> = {
        user_id: storedUserId(this.schema.ids, userId),
        used_at: null,
      };
      if (notBefore !== null) filter.created_at = { $gte: notBefore };
      const documents = await this.schema.refreshTokens
        .find(filter)
        .sort({ session_created_at: -1 })
        .toArray();
      return documents.map((document) => documentToRefreshToken(document, this.schema.ids));
    });
  }

  deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    return deleteMatching(this.schema.refreshTokens, { created_at: { $lt: notBefore } }, options);
  }
}
