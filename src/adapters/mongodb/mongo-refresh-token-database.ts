import type { Document, Filter } from "mongodb";
import type { AccessToken, RefreshToken, User } from "../../core/models.js";
import type { DeleteExpiredOptions } from "../../sessions/access-token-database.js";
import {
  type RefreshTokenDatabase,
  type RotationResult,
  type SessionRecordRow,
  SUPERSEDED_STAMP,
} from "../../sessions/refresh-token-database.js";
import { decodeAmr, encodeAmr } from "../../sessions/session.js";
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
 * Rotating refresh tokens in a MongoDB collection beside the access tokens,
 * and each session's record in a third. Without multi-document transactions
 * (FerretDB and single servers have none), and with update filters that
 * FerretDB does not apply atomically, only single-document writes and unique
 * indexes are relied on, and writes are ordered so that a write cut short
 * leaves nothing a client can use:
 *
 * - a revocation deletes the session record first, then the tokens;
 * - a rotation (and a login) stores its tokens, then reads the record again,
 *   and hands the tokens out only if it is still there; else it deletes them.
 *   Either the record was still there after the tokens were stored, so the
 *   revocation's later deletes find them, or the tokens are never handed out.
 *
 * Build it with {@link mongoAdapter}.
 */
export class MongoRefreshTokenDatabase<U extends User<string>>
  implements RefreshTokenDatabase<U, string>
{
  readonly #documents: UserDocuments;

  constructor(readonly schema: MongoSchema) {
    this.#documents = new UserDocuments(schema.userFields, schema.ids);
  }

  /**
   * The record, then the refresh token, then the access token: if one cannot
   * be stored, what was stored is deleted again (and, should that fail too,
   * it was never handed out: nobody holds it). A login that a revocation of
   * all the user's sessions overtook (its record or its refresh token is gone
   * once its tokens are stored) deletes what is left of it: it answers tokens
   * that no longer work, as if the revocation had come just after it.
   */
  create(access: AccessToken<string>, refresh: RefreshToken<string>): Promise<void> {
    return guard(async () => {
      const userId = storedUserId(this.schema.ids, refresh.userId);
      const record: Document = {
        _id: refresh.family,
        user_id: userId,
        created_at: refresh.sessionCreatedAt,
        refreshed_at: null,
        rotations: 0,
        ip: refresh.ip,
        user_agent: refresh.userAgent,
        label: refresh.label,
        amr: encodeAmr(refresh.amr),
      };
      await this.schema.sessions.insertOne(record);
      try {
        await this.schema.refreshTokens.insertOne(refreshTokenDocument(refresh, userId));
        await this.schema.accessTokens.insertOne(accessTokenDocument(access, userId));
      } catch (error) {
        await this.#deleteTokens(access.token, refresh.token).catch(() => {});
        await this.schema.sessions.deleteOne({ _id: refresh.family }).catch(() => {});
        throw error;
      }
      const [recorded, refreshable] = await Promise.all([
        this.#recordExists(refresh.family),
        this.schema.refreshTokens.findOne({ _id: refresh.token }, { projection: { _id: 1 } }),
      ]);
      if (!recorded || refreshable === null) {
        await this.#deleteTokens(access.token, refresh.token);
        await this.schema.sessions.deleteOne({ _id: refresh.family });
      }
    });
  }

  async #recordExists(family: string): Promise<boolean> {
    return (
      (await this.schema.sessions.findOne({ _id: family }, { projection: { _id: 1 } })) !== null
    );
  }

  async #deleteTokens(access: string, refresh: string): Promise<void> {
    await this.schema.accessTokens.deleteOne({ _id: access });
    await this.schema.refreshTokens.deleteOne({ _id: refresh });
  }

  find(
    token: string,
    notBefore: Date | null,
  ): Promise<{ refresh: RefreshToken<string>; user: U | null } | null> {
    return guard(async () => {
      const document = await this.schema.refreshTokens.findOne(tokenFilter(token, notBefore));
      if (!document) return null;
      const [user, record] = await Promise.all([
        this.schema.users.findOne({
          _id: document.user_id,
          security_stamp: document.security_stamp,
        }),
        this.schema.sessions.findOne({ _id: document.family }, { projection: { amr: 1 } }),
      ]);
      return {
        refresh: documentToRefreshToken(document, this.schema.ids, record?.amr),
        user: user ? this.#documents.toUser<U>(user) : null,
      };
    });
  }

  /**
   * A rotation first advances the session record (gone: `ended`), then
   * claims the used token by inserting a marker document whose `_id` derives
   * from it: the unique `_id` lets exactly one of concurrent rotations win,
   * on any server (FerretDB applies an update's filter apart from its write,
   * so a compare-and-set on `used_at` alone would let several through). Only
   * the winner stores the new refresh token, marks the used one used,
   * supersedes the family's access tokens and stores the new one, then reads
   * the record again: gone, it deletes the pair and answers `ended`.
   * The new access token takes the `amr` the record had when advanced.
   * The marker goes with its family, or with the purge.
   */
  rotate(
    used: string,
    at: Date,
    access: AccessToken<string>,
    refresh: RefreshToken<string>,
  ): Promise<RotationResult> {
    return guard(async (): Promise<RotationResult> => {
      const { family } = refresh;
      // The record as it was (its amr for the new access token); no projection: FerretDB has none here.
      const advanced = await this.schema.sessions.findOneAndUpdate(
        { _id: family },
        { $set: { refreshed_at: at }, $inc: { rotations: 1 } },
      );
      if (advanced === null) return "ended";
      const marker: Document = { _id: `used:${used}`, family, created_at: at, used_at: at };
      try {
        await this.schema.refreshTokens.insertOne(marker);
      } catch (error) {
        if (isDuplicateKey(error)) return "used";
        throw error;
      }
      const userId = storedUserId(this.schema.ids, refresh.userId);
      // The new refresh token before the old one is marked used, so the family always has
      // an unused token while it lives: a listing meanwhile counts it (once: by family).
      await this.schema.refreshTokens.insertOne(refreshTokenDocument(refresh, userId));
      const marked = await this.schema.refreshTokens.updateOne(
        { _id: used, used_at: null },
        { $set: { used_at: at } },
      );
      if (marked.modifiedCount !== 1) {
        // Gone (with its session, since the record was read: ended), or used before
        // markers existed: nothing to rotate.
        await this.schema.refreshTokens.deleteOne({ _id: refresh.token });
        await this.schema.refreshTokens.deleteOne({ _id: marker._id });
        return (await this.#recordExists(family)) ? "used" : "ended";
      }
      await this.schema.accessTokens.updateMany(
        { family },
        { $set: { security_stamp: SUPERSEDED_STAMP } },
      );
      await this.schema.accessTokens.insertOne({
        ...accessTokenDocument(access, userId),
        amr: advanced.amr ?? null,
      });
      if (await this.#recordExists(family)) return "rotated";
      await this.#deleteTokens(access.token, refresh.token);
      return "ended";
    });
  }

  getSession(family: string): Promise<SessionRecordRow<string> | null> {
    return guard(async () => {
      const document = await this.schema.sessions.findOne({ _id: family });
      if (!document) return null;
      return {
        id: family,
        userId: this.schema.ids.fromStored(document.user_id),
        createdAt: document.created_at as Date,
        amr: decodeAmr(document.amr),
      };
    });
  }

  /** The record first: once it is gone no rotation hands out tokens (see the class). */
  deleteFamily(family: string): Promise<number> {
    return guard(async () => {
      await this.schema.sessions.deleteOne({ _id: family });
      const { deletedCount } = await this.schema.accessTokens.deleteMany({ family });
      await this.schema.refreshTokens.deleteMany({ family });
      return deletedCount;
    });
  }

  /** The records first, as {@link deleteFamily}. */
  deleteByUser(userId: string, options: { keepFamily?: string } = {}): Promise<number> {
    return guard(async () => {
      const user_id = storedUserId(this.schema.ids, userId);
      const { keepFamily } = options;
      const records: Filter<StoredDocument> = { user_id };
      if (keepFamily !== undefined) records._id = { $ne: keepFamily };
      const { deletedCount } = await this.schema.sessions.deleteMany(records);
      // Refresh tokens before access tokens: a login storing its pair meanwhile either
      // finds its refresh token gone when it checks (and deletes the rest, see create),
      // or stored its access token before this deletes them (and loses it here).
      const tokens: Filter<StoredDocument> = { user_id };
      if (keepFamily !== undefined) tokens.family = { $ne: keepFamily };
      await this.schema.refreshTokens.deleteMany(tokens);
      const family = keepFamily === undefined ? { $ne: null } : { $nin: [null, keepFamily] };
      await this.schema.accessTokens.deleteMany({ user_id, family });
      return deletedCount;
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
      if (documents.length === 0) return [];
      // No joins on every server (FerretDB has no $lookup): the records' amr in one more read.
      const families = [...new Set(documents.map((document) => document.family))];
      const records = await this.schema.sessions
        .find({ _id: { $in: families } }, { projection: { amr: 1 } })
        .toArray();
      const amr = new Map(records.map((record) => [record._id, record.amr]));
      return documents.map((document) =>
        documentToRefreshToken(document, this.schema.ids, amr.get(document.family)),
      );
    });
  }

  /** Then the records of sessions that started before the bound and have no refresh token left. */
  async deleteExpired(notBefore: Date, options: DeleteExpiredOptions = {}): Promise<number> {
    const { refreshTokens, sessions } = this.schema;
    const count = await deleteMatching(refreshTokens, { created_at: { $lt: notBefore } }, options);
    await guard(async () => {
      const old = await sessions
        .find({ created_at: { $lt: notBefore } }, { projection: { _id: 1 } })
        .toArray();
      const ids = old.map((document) => document._id);
      if (ids.length === 0) return;
      const live = new Set(await refreshTokens.distinct("family", { family: { $in: ids } }));
      const ended = ids.filter((id) => !live.has(id));
      if (ended.length > 0) await sessions.deleteMany({ _id: { $in: ended } });
    });
    return count;
  }
}
