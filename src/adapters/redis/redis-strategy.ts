import type { Redis } from "ioredis";
import { type Clock, systemClock } from "../../core/clock.js";
import { UserNotExists } from "../../core/errors.js";
import type { User } from "../../core/models.js";
import {
  decodeAmr,
  encodeAmr,
  isSessionId,
  type Session,
  type SessionInfo,
  sessionId,
  storedSessionInfo,
} from "../../sessions/session.js";
import { TokenFormat } from "../../sessions/token-format.js";
import { hashToken } from "../../sessions/tokens.js";
import type { RevokeOptions, Strategy } from "../../strategies/strategy.js";
import type { UserManager } from "../../users/user-manager.js";
import { guard, REDIS_TIMEOUT_MS } from "./guard.js";
import { watchOutages } from "./watch-outages.js";

export interface RedisStrategyOptions {
  /** Seconds a token lives (Redis expires it); `null` for tokens that never expire. */
  lifetimeSeconds: number | null;
  /** Prepended to every key. @default "tessera_token:" */
  keyPrefix?: string;
  /** The recognisable prefix of new tokens (see `DatabaseStrategy`). @default "tess_" */
  tokenPrefix?: string;
  clock?: Clock;
  /**
   * Milliseconds a Redis call may take before the request answers 503. A
   * client known to be disconnected fails at once, whatever its own options.
   * @default 1000
   */
  timeoutMs?: number;
  /** Where Redis outages are logged, one line when it goes and one when it is back. @default console.warn */
  log?: (message: string) => void;
}

/** What a token's key holds: JSON, short names. Never the token itself. */
interface TokenRecord {
  /** The user's id, as text. */
  u: string;
  /** The user's security stamp when it was issued. */
  s: number;
  /** Created at, epoch milliseconds. */
  c: number;
  ip: string | null;
  ua: string | null;
  l: string | null;
  /**
   * How the session was proven, space-separated (`encodeAmr`): a string, as
   * the restamp script's cjson would write an empty list back as `{}`.
   * Missing from records written before tessera recorded it.
   */
  a?: string | null;
}

/**
 * FastAPI Users' Redis strategy, hardened: a token's SHA-256 is the key (a
 * dump of Redis logs nobody in), its value the user's id and security stamp,
 * its TTL the lifetime; a sorted set per user indexes their tokens, so
 * "log out everywhere" and the sessions routes work. Reading a token costs a
 * GET and the user's lookup in the user database.
 *
 * Process-scoped client, request-scoped strategy if you like: it holds nothing
 * else. Redis unreachable, every call answers 503 within `timeoutMs` (at once
 * while ioredis is reconnecting), and the next one after it returns works;
 * {@link connectRedis} makes a client with the settings this needs (no
 * offline queue), and checks Redis at startup.
 *
 * @example
 * const strategy = new RedisStrategy(new Redis(process.env.REDIS_URL), { lifetimeSeconds: 3600 });
 */
export class RedisStrategy<U extends User<ID>, ID = U["id"]> implements Strategy<U, ID> {
  readonly lifetimeSeconds: number | null;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #format: TokenFormat;
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  constructor(redis: Redis, options: RedisStrategyOptions) {
    const { lifetimeSeconds, keyPrefix = "tessera_token:", clock = systemClock } = options;
    if (lifetimeSeconds !== null && !(Number.isInteger(lifetimeSeconds) && lifetimeSeconds > 0)) {
      throw new RangeError("lifetimeSeconds must be a positive integer or null");
    }
    this.#redis = redis;
    this.lifetimeSeconds = lifetimeSeconds;
    this.#prefix = keyPrefix;
    this.#format = new TokenFormat(options.tokenPrefix ?? "tess_");
    this.#clock = clock;
    this.#timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
    if (!(Number.isFinite(this.#timeoutMs) && this.#timeoutMs > 0)) {
      throw new RangeError(
        `timeoutMs must be a positive number of milliseconds, got ${options.timeoutMs}`,
      );
    }
    watchOutages(redis, options.log);
  }

  /** Runs Redis calls bounded by the timeout, an outage answered as 503 (see `guard`). */
  #run<T>(call: (redis: Redis) => Promise<T>): Promise<T> {
    return guard(this.#redis, this.#timeoutMs, () => call(this.#redis));
  }

  async readToken(token: string | null, userManager: UserManager<U, ID>): Promise<U | null> {
    if (token === null || !this.#format.isValid(token)) return null;
    const record = await this.#record(hashToken(token));
    if (record === null) return null;
    const id = userManager.parseId(record.u);
    if (id === null) return null;
    try {
      const user = await userManager.get(id);
      return user.securityStamp === record.s ? user : null;
    } catch (error) {
      if (error instanceof UserNotExists) return null;
      throw error;
    }
  }

  async writeToken(user: U, session?: SessionInfo): Promise<string> {
    const token = this.#format.generate();
    const stored = hashToken(token);
    const now = this.#clock().getTime();
    const info = storedSessionInfo(session);
    const record: TokenRecord = {
      u: String(user.id),
      s: user.securityStamp,
      c: now,
      ip: info.ip,
      ua: info.userAgent,
      l: info.label,
      a: encodeAmr(info.amr),
    };
    const index = this.#userKey(user.id);
    const write = this.#redis.multi();
    if (this.lifetimeSeconds === null) write.set(this.#key(stored), JSON.stringify(record));
    else write.set(this.#key(stored), JSON.stringify(record), "PX", this.lifetimeSeconds * 1000);
    write.zadd(index, now, stored);
    // The index lives as long as the newest token in it; older members are pruned as they expire.
    if (this.lifetimeSeconds !== null) write.pexpire(index, this.lifetimeSeconds * 1000);
    await this.#run(() => execOrThrow(write));
    return token;
  }

  async destroyToken(token: string, user: U): Promise<void> {
    if (!this.#format.isValid(token)) return;
    const stored = hashToken(token);
    await this.#run((redis) =>
      execOrThrow(redis.multi().del(this.#key(stored)).zrem(this.#userKey(user.id), stored)),
    );
  }

  async destroyAllTokens(user: U, options: RevokeOptions = {}): Promise<number> {
    const keep =
      options.keep !== undefined && this.#format.isValid(options.keep)
        ? hashToken(options.keep)
        : null;
    if (keep !== null && options.previousStamp !== undefined) {
      await this.#restamp(keep, options.previousStamp, user.securityStamp);
    }
    const index = this.#userKey(user.id);
    const members = (await this.#run((redis) => redis.zrange(index, 0, -1))).filter(
      (member) => member !== keep,
    );
    if (members.length === 0) return 0;
    const results = await this.#run((redis) =>
      execOrThrow(
        redis
          .multi()
          .del(...members.map((member) => this.#key(member)))
          .zrem(index, ...members),
      ),
    );
    return Number(results[0]);
  }

  async listSessions(user: U): Promise<Session[]> {
    return (await this.#sessions(user)).map(({ session }) => session);
  }

  sessionIdOf(token: string): string | null {
    return this.#format.isValid(token) ? sessionId(hashToken(token)) : null;
  }

  async sessionStartedAt(token: string): Promise<Date | null> {
    if (!this.#format.isValid(token)) return null;
    const record = await this.#record(hashToken(token));
    return record === null ? null : new Date(record.c);
  }

  async destroySession(user: U, id: string): Promise<boolean> {
    if (!isSessionId(id)) return false;
    const found = (await this.#sessions(user)).find(({ session }) => session.id === id);
    if (!found) return false;
    await this.#run((redis) =>
      execOrThrow(
        redis.multi().del(this.#key(found.stored)).zrem(this.#userKey(user.id), found.stored),
      ),
    );
    return true;
  }

  /** The user's live sessions, newest first; members whose key expired leave the index. */
  async #sessions(user: U): Promise<{ session: Session; stored: string }[]> {
    const index = this.#userKey(user.id);
    const members = await this.#run((redis) => redis.zrange(index, 0, -1, "REV"));
    if (members.length === 0) return [];
    const values = await this.#run((redis) =>
      redis.mget(...members.map((member) => this.#key(member))),
    );
    const gone: string[] = [];
    const live: { session: Session; stored: string }[] = [];
    members.forEach((stored, i) => {
      const record = parse(values[i] ?? null);
      if (record === null || !this.#alive(record)) {
        gone.push(stored);
        return;
      }
      if (record.s !== user.securityStamp) return;
      live.push({
        stored,
        session: {
          id: sessionId(stored),
          createdAt: new Date(record.c),
          lastUsedAt: null,
          expiresAt:
            this.lifetimeSeconds === null ? null : new Date(record.c + this.lifetimeSeconds * 1000),
          ip: record.ip,
          userAgent: record.ua,
          label: record.l,
          amr: decodeAmr(record.a),
        },
      });
    });
    if (gone.length > 0) await this.#run((redis) => redis.zrem(index, ...gone));
    return live;
  }

  /** The token's record if it is there and, by the strategy's clock, not expired. */
  async #record(stored: string): Promise<TokenRecord | null> {
    const record = parse(await this.#run((redis) => redis.get(this.#key(stored))));
    return record !== null && this.#alive(record) ? record : null;
  }

  // Redis expires keys by its own clock; this check makes the strategy's clock (a test's) count too.
  #alive(record: TokenRecord): boolean {
    if (this.lifetimeSeconds === null) return true;
    return this.#clock().getTime() <= record.c + this.lifetimeSeconds * 1000;
  }

  /** Moves a token to the user's new stamp, only if it carries `from` (a compare-and-set in a script). */
  async #restamp(stored: string, from: number, to: number): Promise<void> {
    await this.#run((redis) => redis.eval(RESTAMP, 1, this.#key(stored), String(from), String(to)));
  }

  #key(stored: string): string {
    return `${this.#prefix}${stored}`;
  }

  #userKey(id: ID): string {
    return `${this.#prefix}user:${String(id)}`;
  }
}

// Atomic: read the record, check its stamp, write it back with the same TTL.
const RESTAMP = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local record = cjson.decode(value)
if record.s ~= tonumber(ARGV[1]) then return 0 end
record.s = tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`;

function parse(value: string | null): TokenRecord | null {
  if (value === null) return null;
  try {
    const record = JSON.parse(value) as TokenRecord;
    return typeof record.u === "string" && typeof record.c === "number" ? record : null;
  } catch {
    return null;
  }
}

async function execOrThrow(transaction: ReturnType<Redis["multi"]>): Promise<unknown[]> {
  const results = (await transaction.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
