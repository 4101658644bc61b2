import { JwtStrategy } from "tessera-auth";
import { runSessionRaceSuite } from "tessera-auth/testing";
import { memoryDatabase } from "../support/sqlite.js";

/**
 * The session race kit on the JWT strategy (users in SQLite): a JWT ends only
 * through its user's stamp, so the writes that end sessions one by one are
 * left out; a credential change keeps the requester's JWT by the stamp it
 * chooses, and ends every other.
 */
runSessionRaceSuite("JwtStrategy (HS256)", {
  async create() {
    const db = await memoryDatabase();
    const secret = "a-secret-of-at-least-thirty-two-bytes!";
    return {
      users: db.users,
      oauthAccounts: db.oauthAccounts,
      strategy: (clock) => new JwtStrategy({ secret, lifetimeSeconds: 3600, clock }),
      dispose: () => db.db.destroy(),
    };
  },
});
