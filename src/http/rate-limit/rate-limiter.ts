import { type Clock, systemClock } from "../../core/clock.js";
import { hashToken } from "../../sessions/tokens.js";
import type { DeviceCookieOptions } from "./device-cookies.js";
import { MemoryRateLimitStore } from "./memory-rate-limit-store.js";
import type { RateLimitStore } from "./rate-limit-store.js";

/** The routes that are rate-limited, by what they do. */
export type RateLimitedAction =
  | "login"
  | "register"
  | "forgotPassword"
  | "requestVerifyToken"
  | "resetPassword"
  | "verify";

/** At most `max` requests per `windowSeconds` (a fixed window). */
export interface RateLimitRule {
  max: number;
  windowSeconds: number;
}

/**
 * The limits of one action: per client address (IPv6 grouped by /64) and per
 * account: the email for login and register, the target address for
 * forgot-password and request-verify-token, the token's user for
 * reset-password and verify. `false` turns one off.
 */
export interface ActionLimits {
  ip?: RateLimitRule | false;
  account?: RateLimitRule | false;
  /**
   * Login only: attempts that present a valid device cookie for the account
   * they try are counted per account and device under this rule, instead of
   * the account's (see `RateLimitOptions.deviceCookie`).
   */
  device?: RateLimitRule | false;
}

/** Which of an action's limits a request is counted under. */
export type RateLimitScope = keyof ActionLimits;

export interface RateLimitOptions {
  /** Where the counters live. @default a MemoryRateLimitStore (this process only) */
  store?: RateLimitStore;
  /**
   * Limits per action, merged over {@link DEFAULT_RATE_LIMITS}; `false` turns
   * an action's limits off.
   */
  limits?: { [A in RateLimitedAction]?: ActionLimits | false };
  /**
   * Device cookies (OWASP's pattern): every successful login answer sets a
   * signed cookie for the account, and a login presenting it is limited per
   * device (`limits.login.device`) rather than by the account's limit, so
   * wrong passwords sent from elsewhere cannot lock the owner out of a
   * device they logged in on before. `false` turns them off.
   * @default on, signed with a key made at construction (see {@link DeviceCookieOptions.secret})
   */
  deviceCookie?: DeviceCookieOptions | false;
  /** @default () => new Date() */
  clock?: Clock;
}

const perMinute = (max: number): RateLimitRule => ({ max, windowSeconds: 60 });

/**
 * On by default. Generous for people, tight for scripts: a password guesser
 * gets 20 tries a minute from one address and 10 a minute on one account (and
 * 10 a minute with a device cookie stolen from the account's owner), a
 * mailbox gets at most 3 reset or verification emails in 15 minutes.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitedAction, Readonly<ActionLimits>>> = {
  login: { ip: perMinute(20), account: perMinute(10), device: perMinute(10) },
  register: { ip: perMinute(10), account: perMinute(5) },
  forgotPassword: { ip: perMinute(10), account: { max: 3, windowSeconds: 900 } },
  requestVerifyToken: { ip: perMinute(10), account: { max: 3, windowSeconds: 900 } },
  resetPassword: { ip: perMinute(10), account: perMinute(5) },
  verify: { ip: perMinute(10), account: perMinute(5) },
};

/** A request over a limit: answer 429 with `Retry-After: retryAfterSeconds`. */
export interface RateLimited {
  retryAfterSeconds: number;
}

/**
 * Counts requests per action, client address and account, in a store shared
 * by the whole process (or by every instance, with a shared store). Keys hold
 * a hash of the subject, never an email or address in clear.
 */
/** A counted request: the subject's requests in the window, and whether it is over the limit. */
export interface RateLimitCount {
  count: number;
  limited: RateLimited | null;
}

const NOT_COUNTED: RateLimitCount = { count: 0, limited: null };

export class RateLimiter {
  readonly #store: RateLimitStore;
  readonly #limits: Record<RateLimitedAction, ActionLimits>;
  readonly #clock: Clock;

  constructor(options: RateLimitOptions = {}) {
    this.#store = options.store ?? new MemoryRateLimitStore();
    this.#clock = options.clock ?? systemClock;
    const limits = { ...DEFAULT_RATE_LIMITS } as Record<RateLimitedAction, ActionLimits>;
    for (const [action, given] of Object.entries(options.limits ?? {})) {
      const name = action as RateLimitedAction;
      if (!(name in DEFAULT_RATE_LIMITS))
        throw new TypeError(`rateLimit: unknown action "${action}"`);
      limits[name] =
        given === false
          ? { ip: false, account: false, device: false }
          : { ...limits[name], ...given };
    }
    for (const [action, { ip, account, device }] of Object.entries(limits)) {
      for (const rule of [ip, account, device]) if (rule) checkRule(action, rule);
    }
    this.#limits = limits;
  }

  /** The rule an action is limited by in this scope, or `null` when it is not. */
  rule(action: RateLimitedAction, scope: RateLimitScope): RateLimitRule | null {
    return this.#limits[action][scope] || null;
  }

  /** Where the counters live (other single-use claims may share it: OAuth states). */
  get store(): RateLimitStore {
    return this.#store;
  }

  /** Whether the counters live in this process only (the default store) rather than in a shared one. */
  get countsInProcess(): boolean {
    return this.#store instanceof MemoryRateLimitStore;
  }

  /**
   * Counts one request of `action` by `subject` (a client address key, or an
   * account identifier) and says whether it is over the limit. A `null`
   * subject (unknown address) is not counted.
   */
  async hit(
    action: RateLimitedAction,
    scope: RateLimitScope,
    subject: string | null,
  ): Promise<RateLimited | null> {
    return (await this.count(action, scope, subject)).limited;
  }

  /**
   * {@link hit}, also saying how many requests the subject made in the
   * window, this one included (0 when not counted).
   */
  async count(
    action: RateLimitedAction,
    scope: RateLimitScope,
    subject: string | null,
  ): Promise<RateLimitCount> {
    const rule = this.rule(action, scope);
    if (rule === null || subject === null) return NOT_COUNTED;
    const now = this.#clock().getTime();
    const key = `tessera:${action}:${scope}:${hashToken(subject).slice(0, 22)}`;
    const { count, resetAt } = await this.#store.hit(key, rule.windowSeconds * 1000, now);
    if (count <= rule.max) return { count, limited: null };
    return {
      count,
      limited: { retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) },
    };
  }
}

function checkRule(action: string, rule: RateLimitRule): void {
  if (!Number.isInteger(rule.max) || rule.max < 1 || !(rule.windowSeconds > 0)) {
    throw new RangeError(
      `rateLimit.${action}: max must be a positive integer and windowSeconds a positive number`,
    );
  }
}
