import { DatabaseStrategy, type User } from "tessera-auth";
import { type DatabaseFixture, runSessionRaceSuite } from "tessera-auth/testing";

/**
 * The session race kit on an adapter's stores, through the database
 * strategy with a cap of three sessions: once with rotating refresh tokens,
 * once with access tokens alone.
 */
export function runSessionRaces<ID>(
  label: string,
  create: () => Promise<DatabaseFixture<User<ID>, ID>>,
): void {
  for (const refreshing of [true, false]) {
    runSessionRaceSuite(`${label}, ${refreshing ? "refresh tokens" : "access tokens"}`, {
      capped: true,
      async create() {
        const stores = await create();
        const { refreshTokens } = stores;
        if (refreshing && !refreshTokens) throw new Error(`${label} has no refresh-token store`);
        return {
          users: stores.users,
          oauthAccounts: stores.oauthAccounts,
          dispose: stores.dispose,
          strategy: (clock) =>
            new DatabaseStrategy(stores.accessTokens, {
              lifetimeSeconds: 3600,
              clock,
              maxSessionsPerUser: 3,
              refreshTokens: refreshing && refreshTokens ? { database: refreshTokens } : undefined,
            }),
        };
      },
    });
  }
}
