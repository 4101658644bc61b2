import type { Document, Filter } from "mongodb";
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
import { accessTokenDocument, documentToAccessToken, UserDocuments } from "./documents.js";
import { guard } from "./guard.js";
import { storedUserId } from "./ids.js";
import type { MongoSchema, StoredDocument } from "./schema.js";

/**
 * Access tokens in a MongoDB collection, keyed by the stored token. A lookup
 * is two reads by `_id` (the token, then its user): MongoDB joins only with
 * `$lookup`, which not every server that speaks its protocol runs (FerretDB
 * does not). Put a `SessionCache` in front for requests served from memory.
 * Build it with {@link mongoAdapter}.
 */
export class MongoAccessTokenDatabase<U extends User<string>>
  implements AccessTokenDatabase<U, string>
{
  readonly #documents: UserDocuments;

  constructor(readonly schema: MongoSchema) {
    this.#documents = new UserDocuments(schema.userFields, schema.ids);
  }

  /** The user the token document belongs to, if the token still carries the user's stamp. */
  async #owner(token: Document): Promise<U | null> {
    const user = await this.schema.users.findOne({
      _id: token.user_id,
      security_stamp: token.security_stamp,
    });
    return user ? this.#documents.toUser<U>(user) : null;
  }

  getByToken(token: string, notBefore: Date | null): Promise<AccessToken<string> | null> {
    return guard(async () => {
      const document = await this.schema.accessTokens.findOne(tokenFilter(token, notBefore));
      return document ? documentToAccessToken(document, this.schema.ids) : null;
    });
  }

  getUserByToken(token: string, notBefore: Date | null): Promise<U | null> {
    return guard(async () => {
      const document = await this.schema.accessTokens.findOne(tokenFilter(token, notBefore), {
        projection: { user_id: 1, security_stamp: 1 },
      });
      return document ? this.#owner(document) : null;
    });
  }

  getSessionByToken(token: string, bounds: SessionBounds): Promise<TokenSession<U> | null> {
    return guard(async () => {
      const filter = tokenFilter(token, bounds.notBefore);
      if (bounds.idleSince !== null) Object.assign(filter, lastUsedSince(bounds.idleSince));
      const document = await this.schema.accessTokens.findOne(filter);
      if (!document) return null;
      const user = await this.#owner(document);
      if (!user) return null;
      const lastUse = (document.last_used_at ?? document.created_at) as Date;
      return { user, stale: lastUse < bounds.staleBefore };
    });
  }

  getSessionRecord(token: string): Promise<SessionRecord<U> | null> {
    return guard(async () => {
      const document = await this.schema.accessTokens.findOne({ _id: token });
      if (!document) return null;
      const user = await this.#owner(document);
      if (!user) return null;
      return {
        user,
        createdAt: document.created_at,
        lastUsedAt: document.last_used_at ?? null,
        family: document.family ?? null,
      };
    });
  }

  touch(token: string, at: Date, staleBefore: Date): Promise<boolean> {
    return guard(async () => {
      const result = await this.schema.accessTokens.updateOne(
        { _id: token, $or: [{ last_used_at: null }, { last_used_at: { $lt: staleBefore } }] },
        { $set: { last_used_at: at } },
      );
      return result.modifiedCount === 1;
    });
  }

  /**
   * Inserts the token, then checks that its user exists: a user deleted in
   * between (the user's tokens are deleted after the user) is seen by one or
   * the other, and the token never outlives it.
   */
  create(data: AccessToken<string>): Promise<AccessToken<string>> {
    return guard(async () => {
      const userId = storedUserId(this.schema.ids, data.userId);
      await this.schema.accessTokens.insertOne(accessTokenDocument(data, userId));
      const user = await this.schema.users.findOne({ _id: userId }, { projection: { _id: 1 } });
      if (!user) {
        await this.schema.accessTokens.deleteOne({ _id: data.token });
        throw new UserNotExists();
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
    accessToken: AccessToken<string>,
    data: Partial<Omit<AccessToken<string>, "token">>,
  ): Promise<AccessToken<string>> {
    return guard(async () => {
      const change: Document = {};
      if (data.userId !== undefined) change.user_id = storedUserId(this.schema.ids, data.userId);
      if (data.createdAt !== undefined) change.created_at = data.createdAt;
      if (data.securityStamp !== undefined) change.security_stamp = data.securityStamp;
      if (data.label !== undefined) change.label = data.label;
      if (data.lastUsedAt !== undefined) change.last_used_at = data.lastUsedAt;
      if (Object.keys(change).length > 0) {
        await this.schema.accessTokens.updateOne({ _id: accessToken.token }, { $set: change });
      }
      return { ...accessToken, ...data };
    });
  }

  delete(token: string): Promise<void> {
    return guard(async () => {
      await this.schema.accessTokens.deleteOne({ _id: token });
    });
  }

  deleteByUser(userId: string, options: { keep?: string } = {}): Promise<number> {
    return guard(async () => {
      const filter: Filter<StoredDocument> = { user_id: storedUserId(this.schema.ids, userId) };
      if (options.keep !== undefined) filter._id = { $ne: options.keep };
      return (await this.schema.accessTokens.deleteMany(filter)).deletedCount;
    });
  }

  /**
   * Reads the user's tokens past the newest `keep` (by `created_at`, then
   * token) and deletes them. Concurrent callers each delete what is past the
   * newest `keep` of what they read; a token among the newest `keep` of all
   * is among the newest of every read that saw it, so exactly `keep` stay.
   */
  deleteAllButNewest(userId: string, keep: number): Promise<number> {
    return guard(async () => {
      const owner = storedUserId(this.schema.ids, userId);
      const older = await this.schema.accessTokens
        .find({ user_id: owner }, { projection: { _id: 1 } })
        .sort({ created_at: -1, _id: -1 })
        .skip(keep)
        .toArray();
      if (older.length === 0) return 0;
      const ids = older.map((document) => document._id);
      return (await this.schema.accessTokens.deleteMany({ _id: { $in: ids }, user_id: owner }))
        .deletedCount;
    });
  }

  restamp(token: string, from: number, to: number): Promise<boolean> {
    return guard(async () => {
      const result = await this.schema.accessTokens.updateOne(
        { _id: token, security_stamp: from },
        { $set: { security_stamp: to } },
      );
      return result.matchedCount === 1;
    });
  }

  deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { idleSince = null } = options;
    const expired: Filter<StoredDocument> =
      idleSince === null
        ? { created_at: { $lt: notBefore } }
        : { $or: [{ created_at: { $lt: notBefore } }, ...lastUsedBefore(idleSince)] };
    return deleteMatching(this.schema.accessTokens, expired, options);
  }

  listByUser(userId: string, notBefore: Date | null): Promise<AccessToken<string>[]> {
    return guard(async () => {
      const filter: Filter<StoredDocument> = { user_id: storedUserId(this.schema.ids, userId) };
      if (notBefore !== null) filter.created_at = { $gte: notBefore };
      const documents = await this.schema.accessTokens
        .find(filter)
        .sort({ created_at: -1 })
        .toArray();
      return documents.map((document) => documentToAccessToken(document, this.schema.ids));
    });
  }

  /**
   * How the server would run the token lookup of {@link getUserByToken}: both
   * its reads are by `_id`. `fullScans` names the collections a plan reads in
   * full (MongoDB's `COLLSCAN`; on FerretDB, PostgreSQL's `Seq Scan`).
   */
  explainUserByToken(token: string, notBefore: Date | null): Promise<LookupPlan> {
    return guard(async () => {
      const { accessTokens, users } = this.schema;
      const plans = {
        [accessTokens.collectionName]: await accessTokens
          .find(tokenFilter(token, notBefore))
          .limit(1)
          .explain(),
        [users.collectionName]: await users
          .find({ _id: this.schema.ids.generate(), security_stamp: 0 })
          .limit(1)
          .explain(),
      };
      const text = JSON.stringify(plans);
      const fullScans = Object.entries(plans)
        .filter(([, plan]) => /COLLSCAN|Seq Scan/.test(JSON.stringify(plan)))
        .map(([name]) => name);
      return { text, fullScans };
    });
  }
}

/** The token, created at or after `notBefore` when given. */
export function tokenFilter(token: string, notBefore: Date | null): Filter<StoredDocument> {
  return notBefore === null ? { _id: token } : { _id: token, created_at: { $gte: notBefore } };
}

/** Last used (or, never used, created) at or after `since`. */
function lastUsedSince(since: Date): Filter<StoredDocument> {
  return {
    $or: [{ last_used_at: { $gte: since } }, { last_used_at: null, created_at: { $gte: since } }],
  };
}

/** Last used (or, never used, created) before `before`: the clauses of an `$or`. */
function lastUsedBefore(before: Date): Filter<StoredDocument>[] {
  return [{ last_used_at: { $lt: before } }, { last_used_at: null, created_at: { $lt: before } }];
}

/**
 * Deletes every document matching `filter`: at once, or with `batchSize` in
 * batches of ids read first and deleted with the filter applied again (a
 * session used in between stays).
 */
export function deleteMatching(
  collection: MongoSchema["accessTokens"],
  filter: Filter<StoredDocument>,
  options: { batchSize?: number; dutyCycle?: number },
): Promise<number> {
  const { batchSize, dutyCycle } = options;
  if (batchSize === undefined) {
    return guard(async () => (await collection.deleteMany(filter)).deletedCount);
  }
  return deleteInBatches(
    () =>
      guard(async () => {
        const batch = await collection
          .find(filter, { projection: { _id: 1 } })
          .limit(batchSize)
          .toArray();
        if (batch.length === 0) return 0;
        const ids = batch.map((document) => document._id);
        const { deletedCount } = await collection.deleteMany({
          $and: [{ _id: { $in: ids } }, filter],
        });
        return deletedCount;
      }),
    batchSize,
    dutyCycle,
  );
}
