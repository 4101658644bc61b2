import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { ServerBusy } from "../core/errors.js";
import { Semaphore } from "../core/semaphore.js";
import { type HashingPool, type HashJob, sharedHashingPool } from "./hashing-pool.js";

// @node-rs/argon2's `Algorithm` is an ambient const enum, which isolated modules cannot read.
const ARGON2ID = 2;

/** Argon2id cost parameters. */
export interface Argon2Options {
  /** Memory in KiB. @default 19456 (19 MiB, OWASP's first recommended setting) */
  memoryCost?: number;
  /** Iterations. @default 2 */
  timeCost?: number;
  /** Lanes. @default 1 */
  parallelism?: number;
}

export interface PasswordHelperOptions extends Argon2Options {
  /**
   * How many hashes may run at once. Hashing runs on worker threads, never on
   * the event loop, and on Linux at a lower priority than the event loop; the
   * cap keeps a core free for serving requests during a burst of logins and
   * bounds memory (`memoryCost` per running hash).
   * @default max(1, availableParallelism() - 1)
   */
  maxConcurrency?: number;
  /**
   * How many hashes may wait for a free slot. Past it, hashing (a login, a
   * registration, a password change) fails at once with {@link ServerBusy}
   * (HTTP 503 with `Retry-After`) instead of making every caller wait longer:
   * a flood of logins costs the flood its answers, not everyone their latency.
   * Hashes queue by priority (see {@link HashOptions.priority}).
   * @default 32
   */
  maxQueue?: number;
  /**
   * The longest a hash may be expected to wait for a slot, in milliseconds,
   * from the measured time of recent hashes: past it, a hash is refused with
   * {@link ServerBusy} even below `maxQueue`. Keeps a login's latency bounded
   * when hashing is slow (a loaded machine, costly parameters).
   * @default 2000
   */
  maxQueueWaitMs?: number;
}

/** Per-call options of hashing. */
export interface HashOptions {
  /**
   * Where the hash waits when every hashing slot is taken: behind those with a
   * lower number, ahead of (and, with the queue full, pushing out) those with
   * a higher one. The login route passes how many logins the client's address
   * made in the current window, so under a flood a first attempt is hashed
   * before the flood's twentieth. @default 0
   */
  priority?: number;
}

/** The outcome of checking a password against a stored hash. */
export interface VerifyResult {
  verified: boolean;
  /** A fresh argon2id hash to store, when the stored one is outdated (bcrypt, other argon2 parameters). */
  updatedHash: string | null;
}

/**
 * Hashes passwords with argon2id and verifies argon2 (any variant and
 * parameters) and bcrypt (`$2a$`, `$2b$`, `$2y$`) hashes written by other
 * systems, asking for a rehash when the stored hash is not tessera's current one.
 *
 * @example
 * const passwords = new PasswordHelper();
 * const hash = await passwords.hash("correct horse battery staple");
 * const { verified, updatedHash } = await passwords.verifyAndUpdate("correct horse battery staple", hash);
 */
export class PasswordHelper {
  readonly #options: Required<Argon2Options>;
  readonly #currentPrefix: string;
  readonly #limit: Semaphore;
  readonly #pool: HashingPool;
  readonly #maxQueueWaitMs: number;
  /** Moving average of how long a hash takes here, in milliseconds (0 until one is measured). */
  #hashMs = 0;
  #dummyHash: Promise<string> | undefined;

  constructor(options: PasswordHelperOptions = {}) {
    const { memoryCost = 19456, timeCost = 2, parallelism = 1 } = options;
    this.#options = { memoryCost, timeCost, parallelism };
    this.#currentPrefix = `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`;
    const concurrency = options.maxConcurrency ?? Math.max(1, availableParallelism() - 1);
    this.#maxQueueWaitMs = options.maxQueueWaitMs ?? 2000;
    // Serving equals newest first once a hash has waited a quarter of the limit: a login
    // that arrives after a flood's burst is not made to wait behind all of it.
    this.#limit = new Semaphore(concurrency, {
      maxWaiting: options.maxQueue ?? 32,
      congestedAfterMs: this.#maxQueueWaitMs / 4,
    });
    this.#pool = sharedHashingPool(concurrency);
  }

  /**
   * Whether a hash started now at this priority would be refused
   * ({@link ServerBusy}): a route can refuse a login before reading its body
   * or touching the database.
   */
  busyFor(priority = 0): boolean {
    const limit = this.#limit;
    if (!limit.full) return false;
    const ahead = limit.waitingAhead(priority);
    if (ahead >= limit.maxWaiting) return true;
    return ((ahead + 1) / limit.capacity) * this.#hashMs > this.#maxQueueWaitMs;
  }

  /** {@link busyFor} at priority 0. */
  get busy(): boolean {
    return this.busyFor();
  }

  /** Runs one hashing job in the bounded queue, and keeps the average up to date. */
  #run(job: HashJob, priority = 0): Promise<string | boolean> {
    if (this.busyFor(priority)) return Promise.reject(new ServerBusy());
    return this.#limit.run(async () => {
      const { value, ms } = await this.#pool.run(job);
      // The hash's own time: a thread's start-up is not what the next hash will cost.
      this.#hashMs = this.#hashMs === 0 ? ms : this.#hashMs * 0.8 + ms * 0.2;
      return value;
    }, priority);
  }

  /** An argon2id hash of the password, computed off the event loop. */
  async hash(password: string, { priority }: HashOptions = {}): Promise<string> {
    const options = { algorithm: ARGON2ID, ...this.#options };
    return String(await this.#run({ op: "argon2-hash", password, options }, priority));
  }

  /**
   * Checks a password against a stored hash. Never throws on a malformed or
   * unknown hash: it is simply not verified.
   */
  async verifyAndUpdate(
    password: string,
    storedHash: string,
    options: HashOptions = {},
  ): Promise<VerifyResult> {
    const verified = await this.#verify(password, storedHash, options.priority);
    if (!verified) return { verified, updatedHash: null };
    const outdated = !storedHash.startsWith(this.#currentPrefix);
    return { verified, updatedHash: outdated ? await this.hash(password, options) : null };
  }

  /**
   * Spends the time of a real verification without a user, so that a login for
   * an unknown email costs what a wrong password costs.
   */
  async spendVerifyTime(password: string, options: HashOptions = {}): Promise<void> {
    this.#dummyHash ??= this.hash(randomBytes(16).toString("base64url"));
    await this.verifyAndUpdate(password, await this.#dummyHash, options);
  }

  /** Never throws on a malformed hash: it verifies nothing. */
  async #verify(password: string, hash: string, priority?: number): Promise<boolean> {
    const op = hash.startsWith("$argon2")
      ? "argon2-verify"
      : BCRYPT_HASH.test(hash)
        ? "bcrypt-verify"
        : null;
    if (op === null) {
      // An unusable or unknown hash costs what a wrong password costs: its time tells nothing.
      await this.spendVerifyTime(password, { priority });
      return false;
    }
    try {
      return (await this.#run({ op, hash, password }, priority)) === true;
    } catch (error) {
      if (error instanceof ServerBusy) throw error;
      return false;
    }
  }

  /** A random password (for accounts created without one, such as OAuth sign-ups). */
  generate(): string {
    return randomBytes(32).toString("base64url");
  }
}

const BCRYPT_HASH = /^\$2[aby]\$\d\d\$/;

/** What starts the stored hash of a user without a usable password (as Django marks one). */
export const UNUSABLE_PASSWORD_PREFIX = "!";

/**
 * A stored hash that no password verifies (a user created by an identity
 * provider): the prefix and random text, so two such users' rows differ.
 */
export function unusablePassword(): string {
  return `${UNUSABLE_PASSWORD_PREFIX}${randomBytes(24).toString("base64url")}`;
}

/** Whether a stored hash can verify a password (not one from {@link unusablePassword}). */
export function hasUsablePassword(hashedPassword: string): boolean {
  return !hashedPassword.startsWith(UNUSABLE_PASSWORD_PREFIX);
}
