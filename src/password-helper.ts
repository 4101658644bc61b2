import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import { verify as bcryptVerify } from "@node-rs/bcrypt";
import { ServerBusy } from "./errors.js";
import { Semaphore } from "./semaphore.js";

// `Algorithm` is an ambient const enum, which isolated modules cannot read: Argon2id is 2.
const ARGON2ID = 2 as Algorithm.Argon2id;

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
   * How many hashes may run at once. Hashing runs on libuv's thread pool, never
   * on the event loop; the cap keeps a core free for serving requests during a
   * burst of logins and bounds memory (`memoryCost` per running hash).
   * @default max(1, availableParallelism() - 1)
   */
  maxConcurrency?: number;
  /**
   * How many hashes may wait for a free slot. Past it, hashing (a login, a
   * registration, a password change) fails at once with {@link ServerBusy}
   * (HTTP 503 with `Retry-After`) instead of making every caller wait longer:
   * a flood of logins costs the flood its answers, not everyone their latency.
   * @default 32
   */
  maxQueue?: number;
  /**
   * The longest a hash may be expected to wait for a slot, in milliseconds,
   * from the measured time of recent hashes: past it, a hash is refused with
   * {@link ServerBusy} even below `maxQueue`. Keeps a login's latency bounded
   * when hashing is slow (a loaded machine, costly parameters).
   * @default 750
   */
  maxQueueWaitMs?: number;
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
  readonly #maxQueueWaitMs: number;
  /** Moving average of how long a hash takes here, in milliseconds (0 until one is measured). */
  #hashMs = 0;
  #dummyHash: Promise<string> | undefined;

  constructor(options: PasswordHelperOptions = {}) {
    const { memoryCost = 19456, timeCost = 2, parallelism = 1 } = options;
    this.#options = { memoryCost, timeCost, parallelism };
    this.#currentPrefix = `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`;
    this.#limit = new Semaphore(
      options.maxConcurrency ?? Math.max(1, availableParallelism() - 1),
      options.maxQueue ?? 32,
    );
    this.#maxQueueWaitMs = options.maxQueueWaitMs ?? 750;
  }

  /**
   * Whether a hash started now would be refused ({@link ServerBusy}): a route
   * can refuse a login before reading its body or touching the database.
   */
  get busy(): boolean {
    const limit = this.#limit;
    if (!limit.full) return false;
    if (limit.waiting >= limit.maxWaiting) return true;
    return ((limit.waiting + 1) / limit.capacity) * this.#hashMs > this.#maxQueueWaitMs;
  }

  /** Runs one hash or verification in the bounded queue, and keeps the average up to date. */
  async #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.busy) throw new ServerBusy();
    return this.#limit.run(async () => {
      const started = performance.now();
      try {
        return await task();
      } finally {
        const took = performance.now() - started;
        this.#hashMs = this.#hashMs === 0 ? took : this.#hashMs * 0.8 + took * 0.2;
      }
    });
  }

  /** An argon2id hash of the password, computed off the event loop. */
  hash(password: string): Promise<string> {
    return this.#run(() => argon2Hash(password, { algorithm: ARGON2ID, ...this.#options }));
  }

  /**
   * Checks a password against a stored hash. Never throws on a malformed or
   * unknown hash: it is simply not verified.
   */
  async verifyAndUpdate(password: string, storedHash: string): Promise<VerifyResult> {
    const verified = await this.#run(() => verifyAny(password, storedHash));
    if (!verified) return { verified, updatedHash: null };
    const outdated = !storedHash.startsWith(this.#currentPrefix);
    return { verified, updatedHash: outdated ? await this.hash(password) : null };
  }

  /**
   * Spends the time of a real verification without a user, so that a login for
   * an unknown email costs what a wrong password costs.
   */
  async spendVerifyTime(password: string): Promise<void> {
    this.#dummyHash ??= this.hash(randomBytes(16).toString("base64url"));
    await this.verifyAndUpdate(password, await this.#dummyHash);
  }

  /** A random password (for accounts created without one, such as OAuth sign-ups). */
  generate(): string {
    return randomBytes(32).toString("base64url");
  }
}

async function verifyAny(password: string, storedHash: string): Promise<boolean> {
  try {
    if (storedHash.startsWith("$argon2")) return await argon2Verify(storedHash, password);
    if (/^\$2[aby]\$\d\d\$/.test(storedHash)) return await bcryptVerify(password, storedHash);
  } catch {
    // A corrupt hash verifies nothing.
  }
  return false;
}
