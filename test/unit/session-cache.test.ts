import { sql } from "kysely";
import {
  DatabaseStrategy,
  type DatabaseStrategyOptions,
  SessionCache,
  type User,
} from "tessera-auth";
import { describe, expect, it, vi } from "vitest";
import { MemoryBus, type MemoryChannel } from "../support/memory-channel.js";
import { memoryDatabase } from "../support/sqlite.js";

type U = User<string>;

/**
 * Two instances (a cache and a strategy each) over one SQLite database, their
 * caches joined by an in-memory bus; a strategy clock and a cache clock the
 * test moves.
 */
async function twoInstances(options: Partial<DatabaseStrategyOptions<string, U>> = {}) {
  const db = await memoryDatabase();
  const bus = new MemoryBus();
  const clock = { now: new Date("2026-03-01T00:00:00.000Z"), ms: 0 };
  const logs: string[] = [];
  const instance = () => {
    const channel = bus.channel();
    const cache = new SessionCache({
      channel,
      maxStalenessMs: 100,
      now: () => clock.ms,
      log: (message) => logs.push(message),
    });
    const stores = cache.wrap(db);
    const strategy = new DatabaseStrategy<U, string>(stores.accessTokens, {
      lifetimeSeconds: 3600,
      clock: () => clock.now,
      refreshTokens: { database: stores.refreshTokens },
      ...options,
    });
    return { cache, channel, stores, strategy };
  };
  const a = instance();
  const b = instance();
  await Promise.all([a.cache.start(), b.cache.start()]);
  const user = await db.users.create({
    email: "ada@example.com",
    hashedPassword: "x",
    isActive: true,
    isSuperuser: false,
    isVerified: false,
  });
  const confirmBoth = () => {
    a.channel.confirm();
    b.channel.confirm();
  };
  const advance = (ms: number) => {
    clock.ms += ms;
    clock.now = new Date(clock.now.getTime() + ms);
  };
  return { db, bus, clock, logs, a, b, user, confirmBoth, advance };
}

/** Deletes every session behind tessera's back: what a cache still answers comes from memory. */
async function deleteRowsByHand(db: { db: import("kysely").Kysely<any> }) {
  await sql`delete from accesstoken`.execute(db.db);
}

describe("SessionCache", () => {
  it("serves nothing until the channel confirms delivery, then serves hits from memory", async () => {
    const { db, a, b, user } = await twoInstances();
    const token = await a.strategy.writeToken(user);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    expect(b.cache.status()).toMatchObject({ state: "starting", bypassed: 1, entries: 0 });

    (b.channel as MemoryChannel).confirm();
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    expect(b.cache.status()).toMatchObject({ state: "up", misses: 1, hits: 1, entries: 1 });

    await deleteRowsByHand(db);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    expect((await a.strategy.readToken(token))?.id).toBeUndefined();
  });

  it("a logout on one instance is refused on the other at once", async () => {
    const { a, b, user, confirmBoth } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    const other = await a.strategy.writeToken(user);
    await b.strategy.readToken(token);
    await b.strategy.readToken(other);
    expect(b.cache.status().entries).toBe(2);

    await a.strategy.destroyToken(token, user);
    expect(await b.strategy.readToken(token)).toBeNull();
    expect((await b.strategy.readToken(other))?.id).toBe(user.id);
    expect(b.cache.status().invalidations.received).toBeGreaterThanOrEqual(1);
  });

  it("every write that ends or changes a user's sessions drops them everywhere", async () => {
    const { db, a, b, user, confirmBoth } = await twoInstances();
    confirmBoth();
    const fill = async () => {
      const token = await a.strategy.writeToken(user);
      expect((await b.strategy.readToken(token))?.id).toBe(user.id);
      return token;
    };

    let token = await fill();
    await a.strategy.destroyAllTokens(user);
    expect(await b.strategy.readToken(token)).toBeNull();

    token = await fill();
    const deactivated = (await a.stores.users.update(user, { isActive: false })) as U;
    expect((await b.strategy.readToken(token))?.isActive).toBe(false);

    await a.stores.users.update(deactivated, { isActive: true, securityStamp: 1 });
    expect(await b.strategy.readToken(token)).toBeNull();

    const current = (await db.users.get(user.id)) as U;
    token = await a.strategy.writeToken(current);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    await a.stores.users.delete(current);
    expect(await b.strategy.readToken(token)).toBeNull();
  });

  it("a login past the cap drops the evicted session everywhere", async () => {
    const { a, b, user, confirmBoth, advance } = await twoInstances({ maxSessionsPerUser: 1 });
    confirmBoth();
    const first = await a.strategy.writeToken(user);
    expect((await b.strategy.readToken(first))?.id).toBe(user.id);
    // A later login (one in the same millisecond may keep either: ties go by token).
    advance(1);
    confirmBoth();
    const second = await a.strategy.writeToken(user);
    expect(await b.strategy.readToken(first)).toBeNull();
    expect((await b.strategy.readToken(second))?.id).toBe(user.id);
  });

  it("a refresh drops the family's old access token everywhere", async () => {
    const { a, b, user, confirmBoth } = await twoInstances();
    confirmBoth();
    const pair = await a.strategy.writeTokens(user);
    expect((await b.strategy.readToken(pair.accessToken))?.id).toBe(user.id);
    const rotated = await a.strategy.refresh(pair.refreshToken);
    expect(rotated.ok).toBe(true);
    expect(await b.strategy.readToken(pair.accessToken)).toBeNull();
    if (!rotated.ok) return;
    expect((await b.strategy.readToken(rotated.accessToken))?.id).toBe(user.id);
    // The rotated token presented again: the whole family is revoked, on both.
    expect((await a.strategy.refresh(pair.refreshToken)).ok).toBe(false);
    expect(await b.strategy.readToken(rotated.accessToken)).toBeNull();
  });

  it("checks expiry against the strategy's clock on every hit", async () => {
    const { a, b, user, confirmBoth, advance } = await twoInstances({ lifetimeSeconds: 60 });
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    advance(59_000);
    confirmBoth();
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    advance(2_000);
    confirmBoth();
    expect(await b.strategy.readToken(token)).toBeNull();
  });

  it("an entry idle past the timeout is read again: another instance may have used the session", async () => {
    const { a, b, user, confirmBoth, advance } = await twoInstances({
      idleTimeoutSeconds: 600,
      lastUsedIntervalSeconds: 150,
    });
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    advance(500_000);
    confirmBoth();
    expect((await a.strategy.readToken(token))?.id).toBe(user.id);
    advance(200_000);
    confirmBoth();
    // B's entry says last used 700 s ago; the database says 200 s.
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    advance(601_000);
    confirmBoth();
    expect(await b.strategy.readToken(token)).toBeNull();
    expect(await a.strategy.readToken(token)).toBeNull();
  });

  it("bypasses the cache while the channel is behind, and serves again once it catches up", async () => {
    const { a, b, user, confirmBoth, advance, logs } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    await b.strategy.readToken(token);
    advance(101);
    await b.strategy.readToken(token);
    expect(b.cache.status()).toMatchObject({ state: "behind", hits: 0, bypassed: 1 });
    expect(logs.some((line) => /confirmed nothing for 100 ms/.test(line))).toBe(true);
    confirmBoth();
    await b.strategy.readToken(token);
    expect(b.cache.status()).toMatchObject({ state: "up", hits: 1, entries: 1 });
  });

  it("pauses its channel when unused: idle, it bypasses itself without a warning, and the next confirmation serves again", async () => {
    const { a, b, user, confirmBoth, advance, logs } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    await b.strategy.readToken(token);
    const receiver = b.channel.receiver;
    expect(receiver?.active()).toBe(true);
    advance(5_000);
    expect(receiver?.active()).toBe(false);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    expect(b.cache.status()).toMatchObject({ state: "idle", bypassed: 1, entries: 1 });
    expect(logs.some((line) => /confirmed nothing/.test(line))).toBe(false);
    expect(receiver?.active()).toBe(true);
    confirmBoth();
    await b.strategy.readToken(token);
    expect(b.cache.status()).toMatchObject({ state: "up", hits: 1, entries: 1 });
  });

  it("fails closed while the channel is down, and starts empty when it is back", async () => {
    const { bus, a, b, user, confirmBoth, advance } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    await b.strategy.readToken(token);
    // The channel goes down: B hears nothing of A's logout.
    bus.cut = true;
    b.channel.down();
    await a.strategy.destroyToken(token, user);
    expect(b.cache.status()).toMatchObject({ state: "down", entries: 1 });
    expect(await b.strategy.readToken(token)).toBeNull();

    bus.cut = false;
    advance(10);
    confirmBoth();
    expect(b.cache.status()).toMatchObject({ state: "up", entries: 0 });
    expect(await b.strategy.readToken(token)).toBeNull();
  });

  it("retries an invalidation it could not publish", async () => {
    const { bus, a, b, user, confirmBoth, logs } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    await b.strategy.readToken(token);
    bus.cut = true;
    await a.strategy.destroyToken(token, user);
    // The trade the guide states: until the message gets through, B still holds the entry.
    expect(b.cache.status().entries).toBe(1);
    expect(logs.some((line) => /could not publish an invalidation/.test(line))).toBe(true);
    bus.cut = false;
    await vi.waitFor(() => expect(b.cache.status().entries).toBe(0), { timeout: 2_000 });
    expect(await b.strategy.readToken(token)).toBeNull();
  });

  it("reads an entry again once it is maxEntryAgeMs old: a lost invalidation does not live on", async () => {
    const { db, a, b, user, confirmBoth, advance } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    // Ended behind the cache's back (what an instance that crashed before publishing leaves).
    await deleteRowsByHand(db);
    advance(59_000);
    confirmBoth();
    expect((await b.strategy.readToken(token))?.id).toBe(user.id);
    advance(2_000);
    confirmBoth();
    expect(await b.strategy.readToken(token)).toBeNull();
  });

  it("hands each hit its own copy of the user", async () => {
    const { a, b, user, confirmBoth } = await twoInstances();
    confirmBoth();
    const token = await a.strategy.writeToken(user);
    await b.strategy.readToken(token);
    const hit = (await b.strategy.readToken(token)) as U;
    hit.email = "mallory@example.com";
    expect((await b.strategy.readToken(token))?.email).toBe("ada@example.com");
  });

  it("never keeps what a lookup read before an invalidation it did not see", async () => {
    const { a, user, confirmBoth } = await twoInstances();
    confirmBoth();
    await a.strategy.writeToken(user);
    const [row] = await a.stores.accessTokens.listByUser(user.id, null);
    const stored = row?.token as string;
    const record = await a.stores.accessTokens.getSessionRecord?.(stored);
    if (!record) throw new Error("no session record");
    const epoch = a.cache.epoch;
    a.cache.invalidate({ kind: "user", key: user.id });
    a.cache.fill(stored, record, epoch);
    expect(a.cache.lookup(stored)).toBeUndefined();
    a.cache.fill(stored, record, a.cache.epoch);
    expect(a.cache.lookup(stored)).toEqual(record);
  });

  it("keeps at most maxEntries, evicting the least recently used first", async () => {
    const { a, user } = await twoInstances();
    await a.strategy.writeToken(user);
    const [row] = await a.stores.accessTokens.listByUser(user.id, null);
    const record = await a.stores.accessTokens.getSessionRecord?.(row?.token as string);
    if (!record) throw new Error("no session record");
    const channel = new MemoryBus().channel();
    const cache = new SessionCache({ channel, maxEntries: 3, now: () => 0, log: () => {} });
    await cache.start();
    channel.confirm();
    for (const key of ["k1", "k2", "k3"]) cache.fill(key, record, cache.epoch);
    expect(cache.lookup("k1")).toEqual(record);
    cache.fill("k4", record, cache.epoch);
    expect(cache.status().entries).toBe(3);
    expect(cache.lookup("k2")).toBeUndefined();
    for (const key of ["k1", "k3", "k4"]) expect(cache.lookup(key)).toEqual(record);
    // An invalidation by user reaches every entry of theirs, wherever it sits.
    cache.invalidate({ kind: "user", key: user.id });
    expect(cache.status().entries).toBe(0);
    await cache.close();
  });
});
