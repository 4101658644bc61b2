import { and, asc, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
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
import { passkeyToRow, rowToPasskey, rowToTotpSecret } from "../kysely/rows.js";
import { type AnyDrizzle, affectedRows, driverError, guard } from "./drizzle-engine.js";
import type { DrizzleSchema } from "./schema.js";

/** Rounds of `putPendingTotp` against racing writers before its error goes up. */
const PUT_ATTEMPTS = 5;

/**
 * Users' second factors in tessera's three tables through Drizzle (migration
 * `0010_second_factors`): every use is one conditional `UPDATE` whose row
 * count says whether it won, and the foreign keys' cascade deletes a deleted
 * user's factors. Build it with {@link drizzleAdapter}.
 */
export class DrizzleSecondFactorDatabase<ID> implements SecondFactorDatabase<ID> {
  constructor(
    private readonly db: AnyDrizzle,
    readonly schema: DrizzleSchema,
  ) {}

  getTotp(userId: ID): Promise<TotpSecret<ID> | null> {
    const { traits, tables } = this.schema;
    const table = tables.totpSecret;
    return guard(traits, async () => {
      const [row] = await this.db.select().from(table).where(eq(table.user_id, userId)).limit(1);
      return row ? rowToTotpSecret<ID>(row, traits) : null;
    });
  }

  /**
   * Overwrites a pending row, else inserts one; an insert that collides (a
   * confirmed row, or a racing put's pending one) is looked at again.
   */
  putPendingTotp(userId: ID, secret: string, at: Date): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.totpSecret;
    const createdAt = traits.encodeDate(at);
    return guard(traits, async () => {
      for (let attempt = 1; ; attempt++) {
        const updated = await this.db
          .update(table)
          .set({ secret, created_at: createdAt, last_used_step: null })
          .where(and(eq(table.user_id, userId), isNull(table.confirmed_at)));
        if (affectedRows(updated) === 1) return true;
        try {
          await this.db.insert(table).values({ user_id: userId, secret, created_at: createdAt });
          return true;
        } catch (error) {
          const cause = driverError(error);
          if (traits.isForeignKeyViolation(cause)) throw new UserNotExists();
          if (!traits.isUniqueViolation(cause)) throw error;
        }
        const [row] = await this.db.select().from(table).where(eq(table.user_id, userId)).limit(1);
        if (row && row.confirmed_at !== null) return false;
        // MySQL counts the rows changed, not matched: a pending row already holding these values.
        if (
          row &&
          row.secret === secret &&
          traits.decodeDate(row.created_at).getTime() === at.getTime()
        ) {
          return true;
        }
        if (attempt === PUT_ATTEMPTS) {
          throw new Error("the TOTP secret kept changing under this write");
        }
      }
    });
  }

  confirmTotp(userId: ID, at: Date): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.totpSecret;
    return guard(traits, async () => {
      const result = await this.db
        .update(table)
        .set({ confirmed_at: traits.encodeDate(at) })
        .where(and(eq(table.user_id, userId), isNull(table.confirmed_at)));
      return affectedRows(result) === 1;
    });
  }

  useTotpStep(userId: ID, step: number): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.totpSecret;
    return guard(traits, async () => {
      const result = await this.db
        .update(table)
        .set({ last_used_step: step })
        .where(
          and(
            eq(table.user_id, userId),
            or(isNull(table.last_used_step), lt(table.last_used_step, step)),
          ),
        );
      return affectedRows(result) === 1;
    });
  }

  deleteTotp(userId: ID): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.totpSecret;
    return guard(traits, async () => {
      const result = await this.db.delete(table).where(eq(table.user_id, userId));
      return affectedRows(result) > 0;
    });
  }

  /**
   * In one transaction that first reads the user's row, locking it (`FOR
   * UPDATE`; on SQLite an immediate transaction holds the database's write
   * lock from its start), so two replacements racing leave one set.
   */
  replaceRecoveryCodes(userId: ID, hashes: readonly string[], at: Date): Promise<void> {
    const { traits, tables } = this.schema;
    const table = tables.recoveryCode;
    const createdAt = traits.encodeDate(at);
    const rows = [...new Set(hashes)].map((hash) => ({
      user_id: userId,
      code_hash: hash,
      created_at: createdAt,
    }));
    const owner = (tx: AnyDrizzle) =>
      tx.select({ id: tables.user.id }).from(tables.user).where(eq(tables.user.id, userId));
    const clear = (tx: AnyDrizzle) => tx.delete(table).where(eq(table.user_id, userId));
    return guard(traits, async () => {
      if (this.schema.engine === "sqlite") {
        this.db.transaction(
          (tx: AnyDrizzle) => {
            if (owner(tx).all().length === 0) throw new UserNotExists();
            clear(tx).run();
            if (rows.length > 0) tx.insert(table).values(rows).run();
          },
          { behavior: "immediate" },
        );
        return;
      }
      await this.db.transaction(async (tx: AnyDrizzle) => {
        if ((await owner(tx).for("update")).length === 0) throw new UserNotExists();
        await clear(tx);
        if (rows.length > 0) await tx.insert(table).values(rows);
      });
    });
  }

  useRecoveryCode(userId: ID, hash: string, at: Date): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.recoveryCode;
    return guard(traits, async () => {
      const result = await this.db
        .update(table)
        .set({ used_at: traits.encodeDate(at) })
        .where(and(eq(table.user_id, userId), eq(table.code_hash, hash), isNull(table.used_at)));
      return affectedRows(result) === 1;
    });
  }

  countRecoveryCodes(userId: ID): Promise<number> {
    const { traits, tables } = this.schema;
    const table = tables.recoveryCode;
    return guard(traits, async () => {
      const [row] = await this.db
        .select({ n: sql`count(*)` })
        .from(table)
        .where(and(eq(table.user_id, userId), isNull(table.used_at)));
      return Number(row?.n ?? 0);
    });
  }

  deleteRecoveryCodes(userId: ID): Promise<void> {
    const { traits, tables } = this.schema;
    const table = tables.recoveryCode;
    return guard(traits, async () => {
      await this.db.delete(table).where(eq(table.user_id, userId));
    });
  }

  addPasskey(data: PasskeyCreate<ID>): Promise<Passkey<ID>> {
    const { traits, tables } = this.schema;
    const row = passkeyToRow(data, traits);
    return guard(traits, async () => {
      try {
        await this.db.insert(tables.passkey).values(row);
      } catch (error) {
        const cause = driverError(error);
        if (traits.isUniqueViolation(cause)) throw new PasskeyAlreadyRegistered();
        if (traits.isForeignKeyViolation(cause)) throw new UserNotExists();
        throw error;
      }
      return { ...data, transports: [...data.transports], lastUsedAt: null };
    });
  }

  listPasskeys(userId: ID): Promise<Passkey<ID>[]> {
    const { traits, tables } = this.schema;
    const table = tables.passkey;
    return guard(traits, async () => {
      const rows = await this.db
        .select()
        .from(table)
        .where(eq(table.user_id, userId))
        .orderBy(asc(table.created_at), asc(table.id));
      return rows.map((row: Record<string, unknown>) => rowToPasskey<ID>(row, traits));
    });
  }

  getPasskey(credentialId: string): Promise<Passkey<ID> | null> {
    const { traits, tables } = this.schema;
    const table = tables.passkey;
    return guard(traits, async () => {
      const [row] = await this.db.select().from(table).where(eq(table.id, credentialId)).limit(1);
      return row ? rowToPasskey<ID>(row, traits) : null;
    });
  }

  renamePasskey(userId: ID, credentialId: string, name: string): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.passkey;
    const mine = and(eq(table.id, credentialId), eq(table.user_id, userId));
    return guard(traits, async () => {
      const result = await this.db.update(table).set({ name }).where(mine);
      if (affectedRows(result) === 1) return true;
      // MySQL counts the rows changed, not matched: the same name again changes none.
      const found = await this.db.select({ id: table.id }).from(table).where(mine).limit(1);
      return found.length > 0;
    });
  }

  usePasskey(credentialId: string, newCounter: number, at: Date): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.passkey;
    return guard(traits, async () => {
      const grew = newCounter === 0 ? eq(table.counter, 0) : lt(table.counter, newCounter);
      const result = await this.db
        .update(table)
        .set({ counter: newCounter, last_used_at: traits.encodeDate(at) })
        .where(and(eq(table.id, credentialId), grew));
      if (affectedRows(result) === 1) return true;
      if (newCounter !== 0) return false;
      // Two uses at one instant of an authenticator without a counter: MySQL counts the second as no change.
      const found = await this.db
        .select({ id: table.id })
        .from(table)
        .where(and(eq(table.id, credentialId), eq(table.counter, 0)))
        .limit(1);
      return found.length > 0;
    });
  }

  deletePasskey(userId: ID, credentialId: string): Promise<boolean> {
    const { traits, tables } = this.schema;
    const table = tables.passkey;
    return guard(traits, async () => {
      const result = await this.db
        .delete(table)
        .where(and(eq(table.id, credentialId), eq(table.user_id, userId)));
      return affectedRows(result) > 0;
    });
  }

  /** One statement: three counts as subqueries, read from the user's row (none without a user). */
  getSecondFactors(userId: ID): Promise<SecondFactors> {
    const { traits, tables } = this.schema;
    const { user, totpSecret, passkey, recoveryCode } = tables;
    return guard(traits, async () => {
      const [row] = await this.db
        .select({
          totp: sql`(select count(*) from ${totpSecret} where ${totpSecret.user_id} = ${userId} and ${isNotNull(totpSecret.confirmed_at)})`,
          passkeys: sql`(select count(*) from ${passkey} where ${passkey.user_id} = ${userId})`,
          recoveryCodes: sql`(select count(*) from ${recoveryCode} where ${recoveryCode.user_id} = ${userId} and ${isNull(recoveryCode.used_at)})`,
        })
        .from(user)
        .where(eq(user.id, userId));
      return {
        totp: Number(row?.totp ?? 0) > 0,
        passkeys: Number(row?.passkeys ?? 0),
        recoveryCodes: Number(row?.recoveryCodes ?? 0),
      };
    });
  }
}
