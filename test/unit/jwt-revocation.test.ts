import { SignJWT } from "jose";
import {
  AuthenticationBackend,
  BearerTransport,
  DatabaseStrategy,
  JWT_CARRIED_CHANGES,
  JwtStrategy,
  Tessera,
  type User,
  UserManager,
  usersRoutes,
} from "tessera-auth";
import { beforeEach, describe, expect, it } from "vitest";
import { userData } from "../../src/testing/user-database-suite.js";
import { memoryDatabase } from "../support/sqlite.js";

type U = User<string>;
const SECRET = "a-secret-of-at-least-thirty-two-bytes!";

describe("JwtStrategy: a stamp raised from one JWT keeps that JWT alone", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;
  let strategy: JwtStrategy<U>;
  let manager: UserManager<U>;
  let user: U;
  beforeEach(async () => {
    db = await memoryDatabase();
    strategy = new JwtStrategy<U>({ secret: SECRET, lifetimeSeconds: 3600 });
    manager = new UserManager(db.users);
    user = await db.users.create(userData("ada@example.com"));
  });
  const reads = async (token: string) => (await strategy.readToken(token, manager))?.id ?? null;
  /** Raises the stamp as a change made from `keep` does. */
  async function changeFrom(keep: string | undefined): Promise<void> {
    const next = keep === undefined ? undefined : await strategy.nextSecurityStamp(user, keep);
    user = (await manager.raiseSecurityStamp(user, next ?? undefined)) as U;
  }

  it(`keeps the JWT that made ${JWT_CARRIED_CHANGES} changes in a row, ends every other; the next change ends it too`, async () => {
    const keep = await strategy.writeToken(user);
    for (let change = 1; change <= JWT_CARRIED_CHANGES; change++) {
      const before = await strategy.writeToken(user);
      await changeFrom(keep);
      expect(await reads(keep)).toBe(user.id);
      expect(await reads(before)).toBeNull();
      // Within a 32-bit integer column, with room for raises by one after it.
      expect(user.securityStamp).toBeGreaterThanOrEqual(0);
      expect(user.securityStamp).toBeLessThan(2 ** 30);
    }
    expect(await strategy.nextSecurityStamp(user, keep)).toBeNull();
    await changeFrom(keep);
    expect(await reads(keep)).toBeNull();
  });

  it("a change from another JWT, or a raise by one, ends the JWT that changed before", async () => {
    const first = await strategy.writeToken(user);
    await changeFrom(first);
    const second = await strategy.writeToken(user);
    await changeFrom(second);
    expect(await reads(first)).toBeNull();
    expect(await reads(second)).toBe(user.id);
    await changeFrom(undefined);
    expect(await reads(second)).toBeNull();
  });

  it("gives no stamp for a JWT that does not work now, is another user's, or has no jti", async () => {
    const bob = await db.users.create(userData("bob@example.com"));
    const bobs = await strategy.writeToken(bob);
    const dead = await strategy.writeToken(user);
    await changeFrom(undefined);
    // FastAPI Users' JWTs carry no jti (nor stamp: they are as old as stamp 0).
    const fastapi = await new SignJWT({ sub: user.id, aud: ["fastapi-users:auth"] })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
    const raised = (await db.users.update(user, { securityStamp: 0 })) as U;
    expect(await strategy.readToken(fastapi, manager)).not.toBeNull();
    expect(await strategy.nextSecurityStamp(raised, fastapi)).toBeNull();
    expect(await strategy.nextSecurityStamp(user, dead)).toBeNull();
    expect(await strategy.nextSecurityStamp(user, bobs)).toBeNull();
    expect(await strategy.nextSecurityStamp(user, "not a jwt")).toBeNull();
  });
});

describe("Tessera with a JWT backend", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;
  let jwt: JwtStrategy<U>;
  let tessera: Tessera<U, string, undefined>;
  let manager: UserManager<U>;
  beforeEach(async () => {
    db = await memoryDatabase();
    jwt = new JwtStrategy<U>({ secret: SECRET, lifetimeSeconds: 3600 });
    manager = new UserManager(db.users);
    const backend = new AuthenticationBackend<U, string, undefined>({
      name: "jwt",
      transport: new BearerTransport(),
      getStrategy: () => jwt,
    });
    tessera = new Tessera({ getUserManager: () => manager, backends: [backend] });
  });

  it("revokeAllTokens raises the stamp: every JWT ends, or every one but `keep`", async () => {
    let user = await db.users.create(userData("ada@example.com"));
    const keep = await jwt.writeToken(user);
    const other = await jwt.writeToken(user);
    expect(await tessera.revokeAllTokens(undefined, user, { keep })).toBe(1);
    expect(await jwt.readToken(other, manager)).toBeNull();
    user = (await db.users.get(user.id)) as U;
    expect(await jwt.readToken(keep, manager)).not.toBeNull();
    // From a stale read of the user: read again, raised all the same.
    await tessera.revokeAllTokens(undefined, { ...user, securityStamp: user.securityStamp - 7 });
    expect(await jwt.readToken(keep, manager)).toBeNull();
  });

  it("the sessions routes are not built for a backend whose strategy keeps no sessions; asked for, it throws", () => {
    const paths = usersRoutes(tessera).map((route) => route.path);
    expect(paths.filter((path) => path.includes("sessions"))).toEqual([]);
    expect(() => usersRoutes(tessera, { sessions: true })).toThrow(
      /backend "jwt" keeps no sessions/,
    );
  });

  it("learns whether a backend keeps sessions from one strategy, or from its declaration when the factory needs a context", async () => {
    const database = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600 });
    const backend = (options: { keepsSessions?: boolean; ctx?: boolean }) =>
      new AuthenticationBackend<U, string, { db: DatabaseStrategy<U> } | undefined>({
        name: "scoped",
        transport: new BearerTransport(),
        getStrategy: (ctx) => (options.ctx ? (ctx as { db: DatabaseStrategy<U> }).db : database),
        keepsSessions: options.keepsSessions,
      });
    expect(backend({}).keepsSessions).toBe(true);
    expect(() => backend({ ctx: true }).keepsSessions).toThrow(
      /backend "scoped": getStrategy\(\) without a request context threw .*declare keepsSessions/,
    );
    expect(backend({ ctx: true, keepsSessions: true }).keepsSessions).toBe(true);
  });
});
