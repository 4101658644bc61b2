import type { Document } from "mongodb";
import { UserNotExists } from "../../core/errors.js";
import type {
  Passkey,
  PasskeyCreate,
  SecondFactors,
  TotpSecret,
} from "../../factors/second-factor.js";
import {
  PasskeyAlreadyRegistered,
  type SecondFactorDatabase,
} from "../../factors/second-factor-database.js";
import { guard, isDuplicateKey } from "./guard.js";
import type { MongoSchema } from "./schema.js";

/** Rounds of `putPendingTotp` against racing writers before its error goes up. */
const PUT_ATTEMPTS = 5;

/**
 * Users' second factors in three MongoDB collections: a user's TOTP secret
 * and a user's recovery codes are one document each, keyed by the user's id
 * (replacing the codes is one write), passkeys one document each, keyed by
 * the credential id. Every use is one conditional `updateOne`, atomic on a
 * MongoDB server (FerretDB 1.x applies an update's filter apart from its
 * write: there, concurrent uses may all succeed). The user's deletion
 * deletes their factors. Build it with {@link mongoAdapter}.
 */
export class MongoSecondFactorDatabase implements SecondFactorDatabase<string> {
  constructor(readonly schema: MongoSchema) {}

  getTotp(userId: string): Promise<TotpSecret<string> | null> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return null;
      const document = await this.schema.totpSecrets.findOne({ _id });
      if (!document) return null;
      return {
        userId,
        secret: document.secret as string,
        confirmedAt: document.confirmed_at ?? null,
        lastUsedStep: document.last_used_step ?? null,
        createdAt: document.created_at as Date,
      };
    });
  }

  putPendingTotp(userId: string, secret: string, at: Date): Promise<boolean> {
    return guard(async () => {
      const _id = await this.#existingUser(userId);
      const { totpSecrets } = this.schema;
      for (let attempt = 1; ; attempt++) {
        const pending = { $set: { secret, created_at: at, last_used_step: null } };
        const { matchedCount } = await totpSecrets.updateOne({ _id, confirmed_at: null }, pending);
        if (matchedCount === 1) return true;
        const document: Document = {
          _id,
          secret,
          confirmed_at: null,
          last_used_step: null,
          created_at: at,
        };
        try {
          await totpSecrets.insertOne(document);
          return true;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const confirmed = { _id, confirmed_at: { $ne: null } };
        if ((await totpSecrets.countDocuments(confirmed, { limit: 1 })) > 0) return false;
        if (attempt === PUT_ATTEMPTS) {
          throw new Error("the TOTP secret kept changing under this write");
        }
      }
    });
  }

  confirmTotp(userId: string, at: Date): Promise<boolean> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return false;
      const { modifiedCount } = await this.schema.totpSecrets.updateOne(
        { _id, confirmed_at: null },
        { $set: { confirmed_at: at } },
      );
      return modifiedCount === 1;
    });
  }

  useTotpStep(userId: string, step: number): Promise<boolean> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return false;
      const { modifiedCount } = await this.schema.totpSecrets.updateOne(
        { _id, $or: [{ last_used_step: null }, { last_used_step: { $lt: step } }] },
        { $set: { last_used_step: step } },
      );
      return modifiedCount === 1;
    });
  }

  deleteTotp(userId: string): Promise<boolean> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return false;
      return (await this.schema.totpSecrets.deleteOne({ _id })).deletedCount === 1;
    });
  }

  /** One document per user: replaced whole, in one write. */
  replaceRecoveryCodes(userId: string, hashes: readonly string[], at: Date): Promise<void> {
    return guard(async () => {
      const _id = await this.#existingUser(userId);
      const document = { unused: [...new Set(hashes)], used: [], created_at: at };
      for (let attempt = 1; ; attempt++) {
        try {
          await this.schema.recoveryCodes.replaceOne({ _id }, document, { upsert: true });
          return;
        } catch (error) {
          // Two upserts of a missing document both insert: the loser replaces the winner's.
          if (!isDuplicateKey(error) || attempt === PUT_ATTEMPTS) throw error;
        }
      }
    });
  }

  useRecoveryCode(userId: string, hash: string, at: Date): Promise<boolean> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return false;
      const { modifiedCount } = await this.schema.recoveryCodes.updateOne({ _id, unused: hash }, {
        $pull: { unused: hash },
        $push: { used: { hash, at } },
      } as Document);
      return modifiedCount === 1;
    });
  }

  countRecoveryCodes(userId: string): Promise<number> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return 0;
      const document = await this.schema.recoveryCodes.findOne({ _id });
      return (document?.unused as string[] | undefined)?.length ?? 0;
    });
  }

  deleteRecoveryCodes(userId: string): Promise<void> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id !== null) await this.schema.recoveryCodes.deleteOne({ _id });
    });
  }

  addPasskey(data: PasskeyCreate<string>): Promise<Passkey<string>> {
    return guard(async () => {
      const user_id = await this.#existingUser(data.userId);
      const document: Document = {
        _id: data.id,
        user_id,
        public_key: data.publicKey,
        counter: data.counter,
        transports: [...data.transports],
        name: data.name,
        created_at: data.createdAt,
        last_used_at: null,
        backed_up: data.backedUp,
        device_type: data.deviceType,
      };
      try {
        await this.schema.passkeys.insertOne(document);
      } catch (error) {
        if (isDuplicateKey(error)) throw new PasskeyAlreadyRegistered();
        throw error;
      }
      return { ...data, transports: [...data.transports], lastUsedAt: null };
    });
  }

  listPasskeys(userId: string): Promise<Passkey<string>[]> {
    return guard(async () => {
      const user_id = this.schema.ids.toStored(userId);
      if (user_id === null) return [];
      const documents = await this.schema.passkeys
        .find({ user_id })
        .sort({ created_at: 1, _id: 1 })
        .toArray();
      return documents.map((document) => this.#toPasskey(document));
    });
  }

  getPasskey(credentialId: string): Promise<Passkey<string> | null> {
    return guard(async () => {
      const document = await this.schema.passkeys.findOne({ _id: credentialId });
      return document ? this.#toPasskey(document) : null;
    });
  }

  renamePasskey(userId: string, credentialId: string, name: string): Promise<boolean> {
    return guard(async () => {
      const user_id = this.schema.ids.toStored(userId);
      if (user_id === null) return false;
      const { matchedCount } = await this.schema.passkeys.updateOne(
        { _id: credentialId, user_id },
        { $set: { name } },
      );
      return matchedCount === 1;
    });
  }

  usePasskey(credentialId: string, newCounter: number, at: Date): Promise<boolean> {
    return guard(async () => {
      const grew = newCounter === 0 ? 0 : { $lt: newCounter };
      const { matchedCount } = await this.schema.passkeys.updateOne(
        { _id: credentialId, counter: grew },
        { $set: { counter: newCounter, last_used_at: at } },
      );
      return matchedCount === 1;
    });
  }

  deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    return guard(async () => {
      const user_id = this.schema.ids.toStored(userId);
      if (user_id === null) return false;
      const { deletedCount } = await this.schema.passkeys.deleteOne({ _id: credentialId, user_id });
      return deletedCount === 1;
    });
  }

  /** Three reads at once, one per collection (MongoDB has no query across them that FerretDB runs). */
  getSecondFactors(userId: string): Promise<SecondFactors> {
    return guard(async () => {
      const _id = this.schema.ids.toStored(userId);
      if (_id === null) return { totp: false, passkeys: 0, recoveryCodes: 0 };
      const [totp, passkeys, codes] = await Promise.all([
        this.schema.totpSecrets.countDocuments({ _id, confirmed_at: { $ne: null } }, { limit: 1 }),
        this.schema.passkeys.countDocuments({ user_id: _id }),
        this.schema.recoveryCodes.findOne({ _id }),
      ]);
      return {
        totp: totp > 0,
        passkeys,
        recoveryCodes: (codes?.unused as string[] | undefined)?.length ?? 0,
      };
    });
  }

  /**
   * The stored id of a user that exists, else `UserNotExists`. MongoDB has no
   * foreign keys: this is checked before the write, and a user deleted in
   * between leaves a factor that no lookup of theirs reaches.
   */
  async #existingUser(userId: string) {
    const _id = this.schema.ids.toStored(userId);
    if (_id === null || (await this.schema.users.countDocuments({ _id }, { limit: 1 })) === 0) {
      throw new UserNotExists();
    }
    return _id;
  }

  #toPasskey(document: Document): Passkey<string> {
    return {
      id: String(document._id),
      userId: this.schema.ids.fromStored(document.user_id),
      publicKey: document.public_key as string,
      counter: Number(document.counter),
      transports: [...(document.transports as string[])],
      name: document.name as string,
      createdAt: document.created_at as Date,
      lastUsedAt: document.last_used_at ?? null,
      backedUp: Boolean(document.backed_up),
      deviceType: document.device_type as string,
    };
  }
}
