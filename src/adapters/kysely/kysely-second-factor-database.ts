import type { Kysely } from "kysely";
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
import { guard } from "./guard.js";
import { passkeyToRow, rowToPasskey, rowToTotpSecret } from "./rows.js";
import type { Schema } from "./schema.js";

/** Rounds of `putPendingTotp` against racing writers before its error goes up. */
const PUT_ATTEMPTS = 5;

/**
 * Users' second factors in three tables through Kysely (migration
 * `0010_second_factors`): every use is one conditional `UPDATE` whose row
 * count says whether it won, and the foreign keys' cascade deletes a deleted
 * user's factors. Build it with `kyselyAdapter`.
 */
export class KyselySecondFactorDatabase<ID> implements SecondFactorDatabase<ID> {
  readonly #db: Kysely<any>;

  constructor(
    db: Kysely<any>,
    readonly schema: Schema,
  ) {
    this.#db = db.withoutPlugins();
  }

  getTotp(userId: ID): Promise<TotpSecret<ID> | null> {
    const { engine, totpSecretTable } = this.schema;
    return guard(engine, async () => {
      const row = await this.#db
        .selectFrom(totpSecretTable)
        .selectAll()
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return row ? rowToTotpSecret<ID>(row, engine) : null;
    });
  }

  /**
   * Overwrites a pending row, else inserts one; an insert that collides (a
   * confirmed row, or a racing put's pending one) is looked at again.
   */
  putPendingTotp(userId: ID, secret: string, at: Date): Promise<boolean> {
    const { engine, totpSecretTable: table } = this.schema;
    const createdAt = engine.encodeDate(at);
    return guard(engine, async () => {
      for (let attempt = 1; ; attempt++) {
        const updated = await this.#db
          .updateTable(table)
          .set({ secret, created_at: createdAt, last_used_step: null })
          .where("user_id", "=", userId)
          .where("confirmed_at", "is", null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 1) return true;
        try {
          await this.#db
            .insertInto(table)
            .values({ user_id: userId, secret, created_at: createdAt })
            .execute();
          return true;
        } catch (error) {
          if (engine.isForeignKeyViolation(error)) throw new UserNotExists();
          if (!engine.isUniqueViolation(error)) throw error;
        }
        const row = await this.#db
          .selectFrom(table)
          .select(["confirmed_at", "secret", "created_at"])
          .where("user_id", "=", userId)
          .executeTakeFirst();
        if (row && row.confirmed_at !== null) return false;
        // MySQL counts the rows changed, not matched: a pending row already holding these values.
        if (
          row &&
          row.secret === secret &&
          engine.decodeDate(row.created_at).getTime() === at.getTime()
        ) {
          return true;
        }
        if (attempt === PUT_ATTEMPTS)
          throw new Error("the TOTP secret kept changing under this write");
      }
    });
  }

  confirmTotp(userId: ID, at: Date): Promise<boolean> {
    const { engine, totpSecretTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .updateTable(totpSecretTable)
        .set({ confirmed_at: engine.encodeDate(at) })
        .where("user_id", "=", userId)
        .where("confirmed_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  useTotpStep(userId: ID, step: number): Promise<boolean> {
    const { engine, totpSecretTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .updateTable(totpSecretTable)
        .set({ last_used_step: step })
        .where("user_id", "=", userId)
        .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  deleteTotp(userId: ID): Promise<boolean> {
    const { engine, totpSecretTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .deleteFrom(totpSecretTable)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /**
   * In one transaction that first reads the user's row, locking it (`FOR
   * UPDATE`; SQLite's write lock serializes the transaction whole), so two
   * replacements racing leave one set, not both.
   */
  replaceRecoveryCodes(userId: ID, hashes: readonly string[], at: Date): Promise<void> {
    const { engine, userTable, recoveryCodeTable: table } = this.schema;
    const createdAt = engine.encodeDate(at);
    const rows = [...new Set(hashes)].map((hash) => ({
      user_id: userId,
      code_hash: hash,
      created_at: createdAt,
    }));
    return guard(engine, async () => {
      await this.#db.transaction().execute(async (trx) => {
        const owner = trx.selectFrom(userTable).select("id").where("id", "=", userId);
        const found = await (engine.lockingReads ? owner.forUpdate() : owner).executeTakeFirst();
        if (!found) throw new UserNotExists();
        await trx.deleteFrom(table).where("user_id", "=", userId).execute();
        if (rows.length > 0) await trx.insertInto(table).values(rows).execute();
      });
    });
  }

  useRecoveryCode(userId: ID, hash: string, at: Date): Promise<boolean> {
    const { engine, recoveryCodeTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .updateTable(recoveryCodeTable)
        .set({ used_at: engine.encodeDate(at) })
        .where("user_id", "=", userId)
        .where("code_hash", "=", hash)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  countRecoveryCodes(userId: ID): Promise<number> {
    const { engine, recoveryCodeTable } = this.schema;
    return guard(engine, async () => {
      const row = await this.#db
        .selectFrom(recoveryCodeTable)
        .select((eb) => eb.fn.countAll().as("n"))
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  deleteRecoveryCodes(userId: ID): Promise<void> {
    const { engine, recoveryCodeTable } = this.schema;
    return guard(engine, async () => {
      await this.#db.deleteFrom(recoveryCodeTable).where("user_id", "=", userId).execute();
    });
  }

  addPasskey(data: PasskeyCreate<ID>): Promise<Passkey<ID>> {
    const { engine, passkeyTable } = this.schema;
    const row = passkeyToRow(data, engine);
    return guard(engine, async () => {
      try {
        await this.#db.insertInto(passkeyTable).values(row).execute();
      } catch (error) {
        if (engine.isUniqueViolation(error)) throw new PasskeyAlreadyRegistered();
        if (engine.isForeignKeyViolation(error)) throw new UserNotExists();
        throw error;
      }
      return { ...data, transports: [...data.transports], lastUsedAt: null };
    });
  }

  listPasskeys(userId: ID): Promise<Passkey<ID>[]> {
    const { engine, passkeyTable } = this.schema;
    return guard(engine, async () => {
      const rows = await this.#db
        .selectFrom(passkeyTable)
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map((row) => rowToPasskey<ID>(row, engine));
    });
  }

  getPasskey(credentialId: string): Promise<Passkey<ID> | null> {
    const { engine, passkeyTable } = this.schema;
    return guard(engine, async () => {
      const row = await this.#db
        .selectFrom(passkeyTable)
        .selectAll()
        .where("id", "=", credentialId)
        .executeTakeFirst();
      return row ? rowToPasskey<ID>(row, engine) : null;
    });
  }

  renamePasskey(userId: ID, credentialId: string, name: string): Promise<boolean> {
    const { engine, passkeyTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .updateTable(passkeyTable)
        .set({ name })
        .where("id", "=", credentialId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return true;
      // MySQL counts the rows changed, not matched: the same name again changes none.
      const found = await this.#db
        .selectFrom(passkeyTable)
        .select("id")
        .where("id", "=", credentialId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return found !== undefined;
    });
  }

  usePasskey(credentialId: string, newCounter: number, at: Date): Promise<boolean> {
    const { engine, passkeyTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .updateTable(passkeyTable)
        .set({ counter: newCounter, last_used_at: engine.encodeDate(at) })
        .where("id", "=", credentialId)
        .where((eb) => (newCounter === 0 ? eb("counter", "=", 0) : eb("counter", "<", newCounter)))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return true;
      if (newCounter !== 0) return false;
      // Two uses at one instant of an authenticator without a counter: MySQL counts the second as no change.
      const found = await this.#db
        .selectFrom(passkeyTable)
        .select("id")
        .where("id", "=", credentialId)
        .where("counter", "=", 0)
        .executeTakeFirst();
      return found !== undefined;
    });
  }

  deletePasskey(userId: ID, credentialId: string): Promise<boolean> {
    const { engine, passkeyTable } = this.schema;
    return guard(engine, async () => {
      const result = await this.#db
        .deleteFrom(passkeyTable)
        .where("id", "=", credentialId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  getSecondFactors(userId: ID): Promise<SecondFactors> {
    const { engine, totpSecretTable, passkeyTable, recoveryCodeTable } = this.schema;
    return guard(engine, async () => {
      const row = await this.#db
        .selectNoFrom((eb) => [
          eb
            .selectFrom(totpSecretTable)
            .select(eb.fn.countAll().as("n"))
            .where("user_id", "=", userId)
            .where("confirmed_at", "is not", null)
            .as("totp"),
          eb
            .selectFrom(passkeyTable)
            .select(eb.fn.countAll().as("n"))
            .where("user_id", "=", userId)
            .as("passkeys"),
          eb
            .selectFrom(recoveryCodeTable)
            .select(eb.fn.countAll().as("n"))
            .where("user_id", "=", userId)
            .where("used_at", "is", null)
            .as("recovery_codes"),
        ])
        .executeTakeFirstOrThrow();
      return {
        totp: Number(row.totp) > 0,
        passkeys: Number(row.passkeys),
        recoveryCodes: Number(row.recovery_codes),
      };
    });
  }
}
