import type { Document } from "mongodb";
import { UserAlreadyExists } from "../../core/errors.js";
import type { User, UserCreateData, UserUpdateData } from "../../core/models.js";
import type { UserDatabase } from "../../users/user-database.js";
import type { ResolvedUserField } from "../../users/user-fields.js";
import { readValues } from "../../users/user-rows.js";
import { UserDocuments } from "./documents.js";
import { guard, isDuplicateKey } from "./guard.js";
import { emailKey, type MongoSchema } from "./schema.js";

/**
 * Users in a MongoDB collection. Emails are unique ignoring case through a
 * unique index on `email_key` (see `ensureIndexes`). Build it with
 * {@link mongoAdapter}.
 */
export class MongoUserDatabase<U extends User<string>> implements UserDatabase<U, string> {
  readonly #documents: UserDocuments;
  /** Maps only the contract's fields (for the compare-and-set). */
  readonly #contractDocuments: UserDocuments;

  constructor(readonly schema: MongoSchema) {
    this.#documents = new UserDocuments(schema.userFields, schema.ids);
    this.#contractDocuments = new UserDocuments([], schema.ids);
  }

  get userFields(): readonly ResolvedUserField[] {
    return this.schema.userFields;
  }

  parseId(raw: string): string | null {
    return this.schema.ids.parse(raw);
  }

  get(id: string): Promise<U | null> {
    return guard(async () => {
      const stored = this.schema.ids.toStored(id);
      if (stored === null) return null;
      const document = await this.schema.users.findOne({ _id: stored });
      return document ? this.#documents.toUser<U>(document) : null;
    });
  }

  getByEmail(email: string): Promise<U | null> {
    return guard(async () => {
      const document = await this.schema.users.findOne({ email_key: emailKey(email) });
      return document ? this.#documents.toUser<U>(document) : null;
    });
  }

  create(data: UserCreateData): Promise<U> {
    return guard(async () => {
      const document: Document = {
        _id: this.schema.ids.generate(),
        security_stamp: 0,
        ...this.#documents.toFields(data),
        email_key: emailKey(data.email),
      };
      // As a column's default in SQL: a custom field not given gets its default, or null.
      for (const field of this.schema.userFields) {
        document[field.column] ??= field.default ?? null;
      }
      try {
        await this.schema.users.insertOne(document);
      } catch (error) {
        if (isDuplicateKey(error)) throw new UserAlreadyExists();
        throw error;
      }
      return this.#documents.toUser<U>(document);
    });
  }

  update(user: U, data: UserUpdateData): Promise<U | null> {
    return guard(async () => {
      const change = this.#documents.toFields(data);
      if (Object.keys(change).length === 0) return user;
      if (typeof change.email === "string") change.email_key = emailKey(change.email);
      // Compare-and-set: the document must still hold what was read, for each of the
      // contract's fields written (a custom field's last writer wins).
      const read = this.#contractDocuments.toFields(readValues(user, data));
      const filter: Document = {
        ...read,
        _id: this.schema.ids.toStored(user.id),
        security_stamp: user.securityStamp,
      };
      try {
        const result = await this.schema.users.updateOne(filter, { $set: change });
        return result.matchedCount === 1 ? { ...user, ...data } : null;
      } catch (error) {
        if (isDuplicateKey(error)) throw new UserAlreadyExists();
        throw error;
      }
    });
  }

  /**
   * Deletes the user, then its tokens, linked accounts and second factors. MongoDB has no
   * cascade: a token left by a crash in between finds no user (every lookup
   * reads the user), and a purge deletes it once expired; a linked account
   * left so names a user no lookup finds.
   */
  delete(user: U): Promise<void> {
    return guard(async () => {
      const id = this.schema.ids.toStored(user.id);
      if (id === null) return;
      await this.schema.users.deleteOne({ _id: id });
      await this.schema.sessions.deleteMany({ user_id: id });
      await this.schema.accessTokens.deleteMany({ user_id: id });
      await this.schema.refreshTokens.deleteMany({ user_id: id });
      await this.schema.oauthAccounts.deleteMany({ user_id: id });
      await this.schema.totpSecrets.deleteOne({ _id: id });
      await this.schema.recoveryCodes.deleteOne({ _id: id });
      await this.schema.passkeys.deleteMany({ user_id: id });
    });
  }
}
