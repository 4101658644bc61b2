import Database from "better-sqlite3";
import { type Context, Hono } from "hono";
import { Kysely } from "kysely";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseStrategy,
  registerRoutes,
  SessionCache,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { honoRoutes } from "tessera-auth/hono";
import {
  createSqliteDialect,
  kyselyAdapter,
  migrateToLatest,
  revocationLogChannel,
} from "tessera-auth/kysely";

const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
await migrateToLatest(db);

// One cache per process, in front of the adapter's stores: give everything the wrapped stores,
// so every write invalidates it. Its channel tells the other instances: the revocation log
// works on every engine; postgresChannel({ connectionString, db }) uses LISTEN/NOTIFY and
// redisChannel({ url }) (from "tessera-auth/redis") Redis pub/sub.
export const cache = new SessionCache({ channel: revocationLogChannel(db), maxStalenessMs: 100 });
const { users, accessTokens } = cache.wrap(kyselyAdapter(db));
await cache.start();

const manager = new UserManager(users);
const strategy = new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 });
const backend = new AuthenticationBackend({
  name: "database",
  transport: new BearerTransport({ tokenUrl: "auth/login" }),
  getStrategy: () => strategy,
});
const tessera = new Tessera<User, string, Context>({
  getUserManager: () => manager,
  backends: [backend],
});

export const app = new Hono();
app.route("/auth", honoRoutes(authRoutes(tessera, backend)));
app.route("/auth", honoRoutes(registerRoutes(tessera)));
app.route("/users", honoRoutes(usersRoutes(tessera)));
// { state: "up", entries, hits, misses, bypassed, … }: "down" or "behind" means every lookup
// goes to the database until the channel confirms delivery again.
app.get("/cache", (c) => c.json(cache.status()));
