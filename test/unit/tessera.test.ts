import {
  AuthenticationBackend,
  BearerTransport,
  CookieTransport,
  DatabaseStrategy,
  type Strategy,
  Tessera,
  type User,
  UserManager,
} from "tessera-auth";
import { beforeEach, describe, expect, it } from "vitest";
import { memoryDatabase } from "../support/sqlite.js";

/** A GET request with these headers, as authentication reads it. */
function requestWith(headers: Record<string, string> = {}) {
  return { method: "GET", url: "http://app.example.com/users/me", headers: new Headers(headers) };
}

type U = User<string>;

describe("Tessera.authenticate", () => {
  let db: Awaited<ReturnType<typeof memoryDatabase<"uuid">>>;
  let strategy: DatabaseStrategy<U>;
  let strategiesBuilt: string[];
  let tessera: Tessera<U, string, string>;
  let bearer: AuthenticationBackend<U, string, string>;

  beforeEach(async () => {
    db = await memoryDatabase();
    strategy = new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: 3600 });
    strategiesBuilt = [];
    const backend = (name: string, transport: BearerTransport | CookieTransport) =>
      new AuthenticationBackend<U, string, string>({
        name,
        transport,
        getStrategy: (ctx) => {
          strategiesBuilt.push(`${name}:${ctx}`);
          return strategy;
        },
      });
    bearer = backend("bearer", new BearerTransport());
    const manager = new UserManager(db.users);
    tessera = new Tessera({
      getUserManager: () => manager,
      backends: [bearer, backend("cookie", new CookieTransport())],
    });
  });

  const makeUser = (flags: Partial<U> = {}) =>
    db.users.create({
      email: `${Math.random().toString(36).slice(2)}@example.com`,
      hashedPassword: "x",
      isActive: true,
      isSuperuser: false,
      isVerified: false,
      ...flags,
    });
  const withBearer = (token: string) => requestWith({ authorization: `Bearer ${token}` });

  it("finds the user through the first backend that recognises the token", async () => {
    const user = await makeUser();
    const token = await strategy.writeToken(user);
    const viaCookie = await tessera.authenticate(
      "req-1",
      requestWith({
        authorization: "Bearer not-a-valid-token-at-all",
        cookie: `fastapiusersauth=${token}`,
      }),
    );
    expect(viaCookie).toMatchObject({ status: 200, token, backend: { name: "cookie" } });
    expect(viaCookie.user?.id).toBe(user.id);
    expect(strategiesBuilt).toEqual(["bearer:req-1", "cookie:req-1"]);
  });

  it("builds no strategy and runs no query for a request without credentials", async () => {
    expect((await tessera.authenticate("req", requestWith())).status).toBe(401);
    expect(strategiesBuilt).toEqual([]);
  });

  it("answers 401 for inactive users when active is required, 403 for missing flags", async () => {
    const inactive = await makeUser({ isActive: false });
    const inactiveToken = await strategy.writeToken(inactive);
    expect((await tessera.authenticate("r", withBearer(inactiveToken))).status).toBe(200);
    expect(
      (await tessera.authenticate("r", withBearer(inactiveToken), { active: true })).status,
    ).toBe(401);

    const plain = await makeUser();
    const token = await strategy.writeToken(plain);
    expect((await tessera.authenticate("r", withBearer(token), { verified: true })).status).toBe(
      403,
    );
    expect((await tessera.authenticate("r", withBearer(token), { superuser: true })).status).toBe(
      403,
    );

    const admin = await makeUser({ isSuperuser: true, isVerified: true });
    const adminToken = await strategy.writeToken(admin);
    const ok = await tessera.authenticate("r", withBearer(adminToken), {
      active: true,
      verified: true,
      superuser: true,
    });
    expect(ok.user?.id).toBe(admin.id);
  });

  it("lets anonymous requests through with optional, as a null user", async () => {
    const anonymous = await tessera.authenticate("r", requestWith(), { optional: true });
    expect(anonymous).toEqual({
      status: 200,
      user: null,
      token: null,
      backend: null,
      refusal: null,
    });
    const plain = await makeUser();
    const token = await strategy.writeToken(plain);
    const notAdmin = await tessera.authenticate("r", withBearer(token), {
      optional: true,
      superuser: true,
    });
    expect(notAdmin.user).toBeNull();
  });

  it("tries only the enabled backends", async () => {
    const user = await makeUser();
    const token = await strategy.writeToken(user);
    const cookieOnly = tessera.backends.filter((b) => b.name === "cookie");
    expect(
      (await tessera.authenticate("r", withBearer(token), { backends: cookieOnly })).status,
    ).toBe(401);
    expect(
      (await tessera.authenticate("r", withBearer(token), { backends: [bearer] })).status,
    ).toBe(200);
  });

  it("refuses a configuration without backends or with duplicate names", () => {
    const getUserManager = () => new UserManager(db.users);
    expect(() => new Tessera({ getUserManager, backends: [] })).toThrow(TypeError);
    expect(() => new Tessera({ getUserManager, backends: [bearer, bearer] })).toThrow(TypeError);
  });

  it("passes the request context to strategy factories (request-scoped handles)", async () => {
    const user = await makeUser();
    const token = await strategy.writeToken(user);
    const seen: string[] = [];
    const scoped = new AuthenticationBackend<U, string, string>({
      name: "scoped",
      transport: new BearerTransport(),
      getStrategy: (ctx): Strategy<U> => {
        seen.push(ctx);
        return strategy;
      },
    });
    const scopedTessera = new Tessera({
      getUserManager: () => new UserManager(db.users),
      backends: [scoped],
    });
    await scopedTessera.authenticate("tenant-a", withBearer(token));
    await scopedTessera.authenticate("tenant-b", withBearer(token));
    expect(seen).toEqual(["tenant-a", "tenant-b"]);
  });

  it("checks CSRF itself: a cookie on an unsafe cross-site request is refused with the reason", async () => {
    const user = await makeUser();
    const token = await strategy.writeToken(user);
    const post = (headers: Record<string, string>) => ({
      method: "POST",
      url: "http://app.example.com/private",
      headers: new Headers({ cookie: `fastapiusersauth=${token}`, ...headers }),
    });
    expect(await tessera.authenticate("r", post({ origin: "https://evil.example" }))).toEqual({
      status: 403,
      user: null,
      token: null,
      backend: null,
      refusal: "CSRF_ORIGIN_NOT_TRUSTED",
    });
    const crossSite = await tessera.authenticate("r", post({ "sec-fetch-site": "cross-site" }));
    expect(crossSite.refusal).toBe("CSRF_CROSS_SITE_REQUEST");
    // Even where the route would let anonymous requests through.
    const optional = await tessera.authenticate("r", post({ origin: "https://evil.example" }), {
      optional: true,
    });
    expect(optional.status).toBe(403);
    // The same cookie from the app's own origin, or on a safe method, is used.
    const same = await tessera.authenticate("r", post({ origin: "http://app.example.com" }));
    expect(same.user?.id).toBe(user.id);
    const get = { ...post({ origin: "https://evil.example" }), method: "GET" };
    expect((await tessera.authenticate("r", get)).user?.id).toBe(user.id);
    // A bearer token is not sent by the browser on its own: no CSRF check.
    const bearerPost = { ...withBearer(token), method: "POST", url: "http://app.example.com/x" };
    bearerPost.headers.set("origin", "https://evil.example");
    expect((await tessera.authenticate("r", bearerPost)).user?.id).toBe(user.id);
  });
});
