import { TesseraError } from "../core/errors.js";
import type { Passkey, PasskeyCreate, SecondFactors, TotpSecret } from "./second-factor.js";

/**
 * Where users' second factors live: a TOTP secret, recovery codes (stored
 * hashed) and passkeys, one store per adapter with a table (collection) per
 * kind. One store rather than three because a login asks about all of them at
 * once ({@link SecondFactorDatabase.getSecondFactors}, one query) and an
 * adapter migrates and empties them together. Run
 * `runSecondFactorDatabaseSuite` from `tessera-auth/testing` to check an
 * implementation.
 *
 * Implementations must:
 * - make every "use" a compare-and-set in one atomic write, so that of two
 *   concurrent uses of one code, step or signature exactly one succeeds;
 * - delete a user's factors with the user;
 * - throw `UserNotExists` when writing for a user that is gone (SQL: the
 *   foreign key), and `DatabaseUnavailableError` when the store cannot be reached.
 */
export interface SecondFactorDatabase<ID = string> {
  /** The user's TOTP secret, pending or confirmed, or `null`. */
  getTotp(userId: ID): Promise<TotpSecret<ID> | null>;
  /**
   * Stores a pending (unconfirmed) secret, replacing a pending one (its
   * replay guard reset); `false`, storing nothing, when the user has a
   * confirmed one (delete it first).
   */
  putPendingTotp(userId: ID, secret: string, at: Date): Promise<boolean>;
  /** Confirms the pending secret; `false` when there is none (none at all, or already confirmed). */
  confirmTotp(userId: ID, at: Date): Promise<boolean>;
  /**
   * Records that a code of this time step was accepted: `true` only when no
   * step was used yet or the last one is smaller (a replayed or older code
   * gets `false`), atomically.
   */
  useTotpStep(userId: ID, step: number): Promise<boolean>;
  /** Deletes the user's secret; whether there was one. */
  deleteTotp(userId: ID): Promise<boolean>;

  /** Replaces the user's recovery codes (by their hashes) with these, atomically. */
  replaceRecoveryCodes(userId: ID, hashes: readonly string[], at: Date): Promise<void>;
  /** Uses an unused code: `true` once per code, whatever the concurrency. */
  useRecoveryCode(userId: ID, hash: string, at: Date): Promise<boolean>;
  /** How many of the user's recovery codes are unused. */
  countRecoveryCodes(userId: ID): Promise<number>;
  /** Deletes the user's recovery codes, used or not. */
  deleteRecoveryCodes(userId: ID): Promise<void>;

  /** Registers a passkey; throws {@link PasskeyAlreadyRegistered} when its credential id is stored. */
  addPasskey(data: PasskeyCreate<ID>): Promise<Passkey<ID>>;
  /** The user's passkeys, oldest first. */
  listPasskeys(userId: ID): Promise<Passkey<ID>[]>;
  /** The passkey with this credential id, whoever's it is, or `null`. */
  getPasskey(credentialId: string): Promise<Passkey<ID> | null>;
  /** Renames one of the user's passkeys; `false` when the user has none with this id. */
  renamePasskey(userId: ID, credentialId: string, name: string): Promise<boolean>;
  /**
   * Records a use: stores the new signature counter and `lastUsedAt`, but
   * only when the counter grew, or when both it and the stored one are 0
   * (an authenticator that keeps none). `false` otherwise (a counter that
   * does not grow is a cloned authenticator's, or a replay) or when the
   * passkey is gone. Atomic: of two uses with one counter, one succeeds.
   */
  usePasskey(credentialId: string, newCounter: number, at: Date): Promise<boolean>;
  /** Deletes one of the user's passkeys; `false` when the user has none with this id. */
  deletePasskey(userId: ID, credentialId: string): Promise<boolean>;

  /** Which second factors the user has (a confirmed TOTP, passkeys, unused recovery codes), in one query. */
  getSecondFactors(userId: ID): Promise<SecondFactors>;
}

/** A passkey with this credential id is already registered (to this user or another). */
export class PasskeyAlreadyRegistered extends TesseraError {
  override name = "PasskeyAlreadyRegistered";
  constructor() {
    super("This passkey is already registered");
  }
}
