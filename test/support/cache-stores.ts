import type { Kysely } from "kysely";
import { type CachedStores, DatabaseStrategy, SessionCache, type User } from "tessera-auth";
import {
  connect,
  kyselyAdapter,
  migrateToLatest,
  postgresChannel,
  revocationLogChannel,
} from "tessera-auth/kysely";
import { afterEach, expect, vi } from "vitest";
import { ENGINE, freshDatabaseUrl } from "./test-database.js";

export const BOUND_MS = 100;
const open: { close(): Promise<void> }[] = [];

/** Closes, after each test of the calling file, the instances it opened. */
export function closeInstances(): void {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((instance) => instance.close()));
  });
}

export interface Instance {
  db: Kysely<any>;
  cache: SessionCache;
  stores: CachedStores<User<string>, string>;
  strategy: DatabaseStrategy<User<string>, string>;
  logs: string[];
  close(): Promise<void>;
}

/**
 * One instance of an app: its own connection, a session cache on the
 * engine's channel (LISTEN/NOTIFY on PostgreSQL, the revocation log on MySQL
 * and SQLite), a strategy over the cached stores.
 */
async function instance(url: string): Promise<Instance> {
  const connection = await connect(url);
  const { db } = connection;
  const channel =
    ENGINE === "postgres"
      ? postgresChannel({ connectionString: url, db })
      : revocationLogChannel(db);
  const logs: string[] = [];
  const cache = new SessionCache({
    channel,
    maxStalenessMs: BOUND_MS,
    log: (line) => logs.push(line),
  });
  const stores = cache.wrap(kyselyAdapter(db));
  const strategy = new DatabaseStrategy<User<string>, string>(stores.accessTokens, {
    lifetimeSeconds: 3600,
  });
  await cache.start();
  const running = {
    db,
    cache,
    stores,
    strategy,
    logs,
    async close() {
      await cache.close();
      await connection.close();
    },
  };
  open.push(running);
  return running;
}

export async function twoInstances() {
  const url = await freshDatabaseUrl();
  const migrator = await connect(url);
  await migrateToLatest(migrator.db);
  await migrator.close();
  const [a, b] = await Promise.all([instance(url), instance(url)]);
  const user = await a.stores.users.create({
    email: "ada@example.com",
    hashedPassword: "x",
    isActive: true,
    isSuperuser: false,
    isVerified: false,
  });
  await waitUntil(a.cache, "up", "idle");
  await waitUntil(b.cache, "up", "idle");
  return { a, b, user };
}

/** Waits until the cache is in one of `states` (`up` and `idle` both mean a channel that delivers). */
export function waitUntil(cache: SessionCache, ...states: string[]) {
  return vi.waitFor(() => expect(states).toContain(cache.status().state), { timeout: 10_000 });
}
