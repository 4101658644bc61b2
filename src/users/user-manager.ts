import type { Clock } from "../core/clock.js";
import {
  InvalidEmail,
  InvalidResetPasswordToken,
  InvalidVerifyToken,
  StaleUser,
  UserAlreadyExists,
  UserAlreadyVerified,
  UserInactive,
  UserNotExists,
} from "../core/errors.js";
import type { HttpRequest } from "../core/http-request.js";
import type { User, UserCreate, UserUpdate, UserUpdateData } from "../core/models.js";
import { AccountTokens } from "./account-tokens.js";
import { isVisibleEmail, normalizeEmail } from "./email.js";
import { type HashOptions, PasswordHelper, unusablePassword } from "./password-helper.js";
import { defaultPasswordPolicy } from "./password-policy.js";
import type { UserDatabase } from "./user-database.js";
import type { ExtraFieldsOf } from "./user-fields.js";

/**
 * Called after the fact, with the HTTP request when there is one. A hook that
 * throws turns the answer into an error, but what was written stays written.
 */
export interface UserManagerHooks<U> {
  onAfterRegister?(user: U, request?: HttpRequest): void | Promise<void>;
  onAfterLogin?(user: U, request?: HttpRequest): void | Promise<void>;
  onAfterUpdate?(user: U, update: UserUpdate, request?: HttpRequest): void | Promise<void>;
  onBeforeDelete?(user: U, request?: HttpRequest): void | Promise<void>;
  onAfterDelete?(user: U, request?: HttpRequest): void | Promise<void>;
  /**
   * A reset-password token was made for an active user: deliver it (by email,
   * usually). From `POST /forgot-password` it is started before the answer
   * and not awaited, so delivery time cannot reveal that the account exists;
   * a failure is logged.
   */
  onAfterForgotPassword?(user: U, token: string, request?: HttpRequest): void | Promise<void>;
  /** The password was reset with a token. */
  onAfterResetPassword?(user: U, request?: HttpRequest): void | Promise<void>;
  /** A verification token was made for an active, unverified user: deliver it (as above). */
  onAfterRequestVerify?(user: U, token: string, request?: HttpRequest): void | Promise<void>;
  /** The user verified their email with a token. */
  onAfterVerify?(user: U, request?: HttpRequest): void | Promise<void>;
}

/**
 * Decides whether a password is acceptable; throws
 * {@link InvalidPasswordException} with a reason shown to the client if not.
 * `user` is the registration request, or the stored user on an update (with
 * the new email when the same update changes it).
 */
export type PasswordValidator<U> = (password: string, user: UserCreate | U) => void | Promise<void>;

export interface UserManagerOptions<U> {
  /** @default new PasswordHelper() (argon2id, OWASP parameters) */
  passwordHelper?: PasswordHelper;
  /**
   * Replaces the default rule entirely; call `defaultPasswordPolicy` from it
   * to keep that rule and add to it.
   * @default defaultPasswordPolicy (8 to 1024 characters, not the email address)
   */
  validatePassword?: PasswordValidator<U>;
  hooks?: UserManagerHooks<U>;
  /**
   * Signs reset-password tokens (HS256, audience `fastapi-users:reset`); at
   * least 32 bytes (a shorter one is refused here). Without it, password reset
   * throws, and `resetPasswordRoutes` refuses a shared manager that lacks it.
   */
  resetPasswordTokenSecret?: string | Uint8Array;
  /** @default 3600 */
  resetPasswordTokenLifetimeSeconds?: number;
  /**
   * Signs verification tokens (HS256, audience `fastapi-users:verify`); at
   * least 32 bytes (a shorter one is refused here). Without it, verification
   * throws, and `verifyRoutes` refuses a shared manager that lacks it.
   */
  verificationTokenSecret?: string | Uint8Array;
  /** @default 3600 */
  verificationTokenLifetimeSeconds?: number;
  /** Reads the time for token expiry. @default () => new Date() */
  clock?: Clock;
}

/** Options of the operations that write a user. */
export interface WriteOptions {
  /**
   * `true` when the change comes from the user themself: `isActive`,
   * `isSuperuser` and `isVerified` are then ignored. @default false
   */
  safe?: boolean;
  request?: HttpRequest;
  /** Where the password's hash queues when hashing is saturated (see {@link HashOptions}). @default 0 */
  hashingPriority?: number;
  /**
   * The security stamp an update that ends sessions raises the user's to
   * (`Tessera.nextSecurityStamp` gives the one that keeps the requester's
   * token). Ignored by a change that ends none.
   * @default the stamp as read plus one
   */
  securityStamp?: number;
}

/** What a create or update request holds besides custom fields. */
const CONTRACT_FIELDS = new Set(["email", "password", "isActive", "isSuperuser", "isVerified"]);

/** Options of the methods that look a user up by email before doing anything else. */
export interface LookupOptions<U> {
  /**
   * Called with the user the email found (`null` for none) before anything
   * else; may throw to stop there. The routes count the account's rate limit
   * here, on the user the database found, so every spelling it matches as one
   * address counts on one counter. @default none
   */
  afterLookup?: (user: U | null) => Promise<void> | void;
}

/** Options of {@link UserManager.authenticate}. */
export interface AuthenticateOptions<U> extends HashOptions, LookupOptions<U> {}

/**
 * The user logic that does not depend on how users are stored or reached:
 * registration, login checks, updates with the safe/unsafe split, deletion,
 * and the hooks around them (FastAPI Users' `BaseUserManager`).
 *
 * @example
 * // Passwords follow `defaultPasswordPolicy` unless `validatePassword` is given.
 * const manager = new UserManager(userDb, {
 *   hooks: { onAfterRegister: (user) => console.log(`${user.id} has registered`) },
 * });
 */
export class UserManager<U extends User<ID>, ID = U["id"]> {
  readonly passwordHelper: PasswordHelper;
  readonly #services: ManagerServices<U>;
  readonly #hooks: UserManagerHooks<U>;
  readonly #validatePassword: PasswordValidator<U>;
  readonly #tokens: AccountTokens;

  constructor(
    readonly userDb: UserDatabase<U, ID>,
    options: UserManagerOptions<U> | ManagerServices<U> = {},
  ) {
    const services = options instanceof ManagerServices ? options : new ManagerServices(options);
    this.#services = services;
    this.passwordHelper = services.passwordHelper;
    this.#hooks = services.hooks;
    this.#validatePassword = services.validatePassword;
    this.#tokens = services.tokens;
  }

  /** Whether it can sign reset-password tokens (`resetPasswordTokenSecret` was given). */
  get canResetPasswords(): boolean {
    return this.#tokens.resets;
  }

  /** Whether it can sign verification tokens (`verificationTokenSecret` was given). */
  get canVerifyEmails(): boolean {
    return this.#tokens.verifies;
  }

  /**
   * The same manager over another user database (a request's transaction, a
   * tenant's connection): what the seed builds per request. Cheap: it shares
   * this manager's password hashing (its concurrency limit and timing decoy),
   * signing keys and hooks, which are built once per process.
   *
   * @example
   * const manager = new UserManager(users, options); // once
   * new Tessera({ getUserManager: (c) => manager.withDatabase(kyselyAdapter(c.var.trx).users), ... });
   */
  withDatabase(userDb: UserDatabase<U, ID>): UserManager<U, ID> {
    return new UserManager(userDb, this.#services);
  }

  /** The id in a URL, or `null` if it cannot be one (so the caller answers 404). */
  parseId(raw: string): ID | null {
    return this.userDb.parseId(raw);
  }

  /** The user with this id; throws {@link UserNotExists}. */
  async get(id: ID): Promise<U> {
    const user = await this.userDb.get(id);
    if (!user) throw new UserNotExists();
    return user;
  }

  /**
   * The user with this email (normalised by {@link normalizeEmail}, compared
   * ignoring case); throws {@link UserNotExists}.
   */
  async getByEmail(email: string): Promise<U> {
    const user = await this.#findByEmail(email);
    if (!user) throw new UserNotExists();
    return user;
  }

  /** The user with this email as {@link normalizeEmail} writes it, or `null` (also for an invalid address). */
  #findByEmail(email: string): Promise<U | null> {
    const normalized = normalizeEmail(email);
    return normalized === null ? Promise.resolve(null) : this.userDb.getByEmail(normalized);
  }

  /** Throws {@link InvalidPasswordException} if the validator refuses the password. */
  async validatePassword(password: string, user: UserCreate | U): Promise<void> {
    await this.#validatePassword(password, user);
  }

  /**
   * Registers a user. Throws {@link InvalidPasswordException},
   * {@link UserAlreadyExists} or {@link InvalidEmail}.
   */
  async create(
    userCreate: UserCreate & Partial<ExtraFieldsOf<U>>,
    options: WriteOptions = {},
  ): Promise<U> {
    const { safe = false, request, hashingPriority: priority } = options;
    const email = normalizeEmail(userCreate.email);
    if (email === null || !isVisibleEmail(email)) throw new InvalidEmail();
    await this.validatePassword(userCreate.password, { ...userCreate, email });
    if (await this.userDb.getByEmail(email)) throw new UserAlreadyExists();
    const user = await this.userDb.create({
      ...this.#customFields(userCreate, safe),
      email,
      hashedPassword: await this.passwordHelper.hash(userCreate.password, { priority }),
      isActive: safe ? true : (userCreate.isActive ?? true),
      isSuperuser: safe ? false : (userCreate.isSuperuser ?? false),
      isVerified: safe ? false : (userCreate.isVerified ?? false),
    });
    await this.#hooks.onAfterRegister?.(user, request);
    return user;
  }

  /**
   * Registers a user who proved their email elsewhere (an identity provider):
   * active, not a superuser, with no usable password until they set one (a
   * password reset works). Runs `onAfterRegister`. Throws
   * {@link UserAlreadyExists} or {@link InvalidEmail}.
   */
  async createWithoutPassword(
    data: { email: string; isVerified: boolean },
    options: { request?: HttpRequest } = {},
  ): Promise<U> {
    const email = normalizeEmail(data.email);
    if (email === null || !isVisibleEmail(email)) throw new InvalidEmail();
    if (await this.userDb.getByEmail(email)) throw new UserAlreadyExists();
    const user = await this.userDb.create({
      ...this.#customFields({}, true),
      email,
      hashedPassword: unusablePassword(),
      isActive: true,
      isSuperuser: false,
      isVerified: data.isVerified,
    });
    await this.#hooks.onAfterRegister?.(user, options.request);
    return user;
  }

  /**
   * The user these credentials belong to, or `null`. An unknown email costs the
   * same time as a wrong password. An outdated hash is upgraded on success.
   * Whether an inactive or unverified user may log in is the caller's decision.
   * `options.priority` places the password check in the hashing queue (the
   * login route passes the client address's attempts in the window).
   */
  async authenticate(
    credentials: { email: string; password: string },
    options: AuthenticateOptions<U> = {},
  ): Promise<U | null> {
    const user = await this.#findByEmail(credentials.email);
    await options.afterLookup?.(user);
    if (!user) {
      await this.passwordHelper.spendVerifyTime(credentials.password, options);
      return null;
    }
    const { verified, updatedHash } = await this.passwordHelper.verifyAndUpdate(
      credentials.password,
      user.hashedPassword,
      options,
    );
    if (!verified) return null;
    if (!updatedHash) return user;
    // Compare-and-set: a rehash never overwrites a hash written since (a reset, a change).
    const upgraded = await this.userDb.update(user, { hashedPassword: updatedHash });
    if (upgraded) return upgraded;
    // Another login may have upgraded it first: the password is the same while the stamp is.
    const current = await this.userDb.get(user.id);
    return current?.securityStamp === user.securityStamp ? current : null;
  }

  /** Runs the `onAfterLogin` hook; the routers call it once a token is issued. */
  async onAfterLogin(user: U, request?: HttpRequest): Promise<void> {
    await this.#hooks.onAfterLogin?.(user, request);
  }

  /**
   * Applies a change to `user` as read. A new email must be free (else
   * {@link UserAlreadyExists}) and unverifies the user; a new password is
   * validated and hashed. A new password or email, or a deactivation, raises
   * the security stamp: every session issued before is dead from then on (see
   * `Tessera.credentialsChanged` to delete their rows and keep the
   * requester's). Throws {@link StaleUser} when the user changed since `user`
   * was read: read it again (and authenticate again) before retrying.
   */
  async update(
    userUpdate: UserUpdate & Partial<ExtraFieldsOf<U>>,
    user: U,
    options: WriteOptions = {},
  ): Promise<U> {
    const { safe = false, request } = options;
    const data: UserUpdateData = this.#customFields(userUpdate, safe);
    let endsSessions = false;
    if (userUpdate.email !== undefined && userUpdate.email !== user.email) {
      const email = normalizeEmail(userUpdate.email);
      if (email === null || !isVisibleEmail(email)) throw new InvalidEmail();
      if (email !== user.email) {
        const owner = await this.userDb.getByEmail(email);
        if (owner && owner.id !== user.id) throw new UserAlreadyExists();
        data.email = email;
        data.isVerified = false;
        endsSessions = true;
      }
    }
    if (userUpdate.password !== undefined) {
      await this.validatePassword(
        userUpdate.password,
        data.email === undefined ? user : { ...user, email: data.email },
      );
      data.hashedPassword = await this.passwordHelper.hash(userUpdate.password);
      endsSessions = true;
    }
    if (!safe) {
      if (userUpdate.isActive !== undefined) {
        data.isActive = userUpdate.isActive;
        if (user.isActive && !userUpdate.isActive) endsSessions = true;
      }
      if (userUpdate.isSuperuser !== undefined) data.isSuperuser = userUpdate.isSuperuser;
      if (userUpdate.isVerified !== undefined) data.isVerified = userUpdate.isVerified;
    }
    if (endsSessions) data.securityStamp = options.securityStamp ?? user.securityStamp + 1;
    const updated = Object.keys(data).length > 0 ? await this.userDb.update(user, data) : user;
    if (updated === null) throw new StaleUser();
    await this.#hooks.onAfterUpdate?.(updated, userUpdate, request);
    return updated;
  }

  /**
   * Raises the user's security stamp (to `next`): every token issued under
   * the current one ends, where the strategy keeps none to delete (a JWT).
   * A compare-and-set: `null` when the user changed since `user` was read
   * (read it again and retry) or is gone.
   */
  async raiseSecurityStamp(user: U, next = user.securityStamp + 1): Promise<U | null> {
    return this.userDb.update(user, { securityStamp: next });
  }

  /**
   * The custom fields of a create or update: every one given, or on a safe
   * write only those the user database declares as written by users.
   */
  #customFields(change: UserUpdate, safe: boolean): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    const writable = safe
      ? new Set(this.userDb.userFields?.filter((f) => f.writableBy === "user").map((f) => f.name))
      : null;
    for (const [name, value] of Object.entries(change)) {
      if (CONTRACT_FIELDS.has(name) || value === undefined) continue;
      if (writable === null || writable.has(name)) values[name] = value;
    }
    return values;
  }

  /** Deletes the user (and, through the database, its tokens). */
  async delete(user: U, options: { request?: HttpRequest } = {}): Promise<void> {
    await this.#hooks.onBeforeDelete?.(user, options.request);
    await this.userDb.delete(user);
    await this.#hooks.onAfterDelete?.(user, options.request);
  }
  /**
   * Makes a reset-password token and awaits `onAfterForgotPassword` with it.
   * Throws {@link UserInactive}. The HTTP route uses {@link requestPasswordReset}.
   */
  async forgotPassword(user: U, request?: HttpRequest): Promise<void> {
    if (!user.isActive) throw new UserInactive();
    const token = await this.#tokens.resetToken(user);
    await this.#hooks.onAfterForgotPassword?.(user, token, request);
  }

  /**
   * `POST /forgot-password`: the same work and outcome whether the email is
   * unknown, inactive or active. Only for an active user does a token reach
   * `onAfterForgotPassword`, started but not awaited (its failure is logged).
   */
  async requestPasswordReset(
    email: string,
    request?: HttpRequest,
    options: LookupOptions<U> = {},
  ): Promise<void> {
    const user = await this.#findByEmail(email);
    await options.afterLookup?.(user);
    if (!user?.isActive) return this.#tokens.decoyResetToken();
    const token = await this.#tokens.resetToken(user);
    startHook("onAfterForgotPassword", () =>
      this.#hooks.onAfterForgotPassword?.(user, token, request),
    );
  }

  /**
   * Sets a new password with a reset token and returns the updated user. The
   * token works once, under any concurrency: it carries a fingerprint of the
   * security stamp it was made under, and the reset raises the stamp in a
   * compare-and-set (which also ends every session). Throws
   * {@link InvalidResetPasswordToken} (malformed, forged, expired, used,
   * unknown user), {@link UserInactive} or {@link InvalidPasswordException}.
   * Deleting the dead sessions' rows is the caller's (`Tessera.revokeAllTokens`).
   */
  async resetPassword(token: string, password: string, request?: HttpRequest): Promise<U> {
    const claims = await this.#tokens.readResetToken(token);
    const id = claims === null ? null : this.parseId(claims.sub);
    if (claims === null || id === null) throw new InvalidResetPasswordToken();
    let hashedPassword: string | undefined;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const user = await this.userDb.get(id);
      if (!user || !this.#tokens.fingerprintMatches(claims.fingerprint, user)) {
        throw new InvalidResetPasswordToken();
      }
      if (!user.isActive) throw new UserInactive();
      if (hashedPassword === undefined) {
        await this.validatePassword(password, user);
        hashedPassword = await this.passwordHelper.hash(password);
      }
      const updated = await this.userDb.update(user, {
        hashedPassword,
        securityStamp: user.securityStamp + 1,
      });
      if (updated) {
        await this.#hooks.onAfterResetPassword?.(updated, request);
        return updated;
      }
      // Changed since read: spent by a concurrent reset (the next read says so), or rehashed.
    }
    throw new InvalidResetPasswordToken();
  }

  /**
   * Makes a verification token and awaits `onAfterRequestVerify` with it.
   * Throws {@link UserInactive} or {@link UserAlreadyVerified}. The HTTP route
   * uses {@link requestVerification}.
   */
  async requestVerify(user: U, request?: HttpRequest): Promise<void> {
    if (!user.isActive) throw new UserInactive();
    if (user.isVerified) throw new UserAlreadyVerified();
    const token = await this.#tokens.verifyToken(user);
    await this.#hooks.onAfterRequestVerify?.(user, token, request);
  }

  /**
   * `POST /request-verify-token`: the same work and outcome for unknown,
   * inactive, verified and unverified users. Only an active unverified user's
   * token reaches `onAfterRequestVerify`, started but not awaited.
   */
  async requestVerification(
    email: string,
    request?: HttpRequest,
    options: LookupOptions<U> = {},
  ): Promise<void> {
    const user = await this.#findByEmail(email);
    await options.afterLookup?.(user);
    if (!user?.isActive || user.isVerified) return this.#tokens.decoyVerifyToken();
    const token = await this.#tokens.verifyToken(user);
    startHook("onAfterRequestVerify", () =>
      this.#hooks.onAfterRequestVerify?.(user, token, request),
    );
  }

  /**
   * Marks the user of a verification token verified and returns them. Throws
   * {@link InvalidVerifyToken} (malformed, forged, expired, unknown user, email
   * changed since) or {@link UserAlreadyVerified}. The write is a
   * compare-and-set on the unverified user with the token's email, so a token
   * verifies once and never an address changed meanwhile.
   */
  async verify(token: string, request?: HttpRequest): Promise<U> {
    const claims = await this.#tokens.readVerifyToken(token);
    if (claims === null) throw new InvalidVerifyToken();
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const user = await this.userDb.getByEmail(claims.email);
      if (!user || this.parseId(claims.sub) !== user.id) throw new InvalidVerifyToken();
      if (user.isVerified) throw new UserAlreadyVerified();
      const verified = await this.userDb.update(user, { isVerified: true });
      if (verified) {
        await this.#hooks.onAfterVerify?.(verified, request);
        return verified;
      }
    }
    throw new InvalidVerifyToken();
  }
}

/** What every manager made by {@link UserManager.withDatabase} shares: built once per process. */
class ManagerServices<U extends { readonly email: string }> {
  readonly passwordHelper: PasswordHelper;
  readonly hooks: UserManagerHooks<U>;
  readonly validatePassword: PasswordValidator<U>;
  readonly tokens: AccountTokens;

  constructor(options: UserManagerOptions<U>) {
    this.passwordHelper = options.passwordHelper ?? new PasswordHelper();
    this.hooks = options.hooks ?? {};
    this.validatePassword = options.validatePassword ?? defaultPasswordPolicy;
    this.tokens = new AccountTokens(options);
  }
}

/** Reads of a user a conditional write retries when the user keeps changing under it. */
const WRITE_ATTEMPTS = 3;

/** Runs a delivery hook without awaiting it: the answer never waits for, or reveals, delivery. */
function startHook(name: string, run: () => void | Promise<void>): void {
  const report = (error: unknown) => console.error(`tessera: the ${name} hook failed:`, error);
  try {
    Promise.resolve(run()).catch(report);
  } catch (error) {
    report(error);
  }
}
