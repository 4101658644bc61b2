import { it, type TestContext } from "vitest";
import type { AccessToken, User, UserCreateData } from "../core/models.js";
import type { SecondFactorDatabase } from "../factors/second-factor-database.js";
import type { OAuthAccountDatabase } from "../oauth/oauth-account.js";
import type { AccessTokenDatabase } from "../sessions/access-token-database.js";
import type { RefreshTokenDatabase } from "../sessions/refresh-token-database.js";
import type { UserDatabase } from "../users/user-database.js";

/** How a store would run a query: its plan as text, and the tables it reads in full. */
export interface LookupPlan {
  readonly text: string;
  /** Tables (or aliases) read by a full scan; empty when every table is reached through an index. */
  readonly fullScans: readonly string[];
}

/** Bulk access to the store, for the large-table case. */
export interface BulkAccess<ID> {
  /** Inserts many users at once (ids chosen by the store). */
  insertUsers(rows: UserCreateData[]): Promise<void>;
  /** Inserts many tokens at once. */
  insertTokens(rows: AccessToken<ID>[]): Promise<void>;
  /** How the store would run `getUserByToken(token, notBefore)`. */
  explainUserByToken(token: string, notBefore: Date | null): Promise<LookupPlan>;
}

/** Fresh, empty databases for one test, and how to dispose of them. */
export interface DatabaseFixture<U extends User<ID>, ID> {
  users: UserDatabase<U, ID>;
  accessTokens: AccessTokenDatabase<U, ID>;
  /** The refresh-token store beside it, when the adapter has one: its cases run then. */
  refreshTokens?: RefreshTokenDatabase<U, ID>;
  /** The store of linked provider accounts, when the adapter has one: its cases run then. */
  oauthAccounts?: OAuthAccountDatabase<ID>;
  /** The store of second factors (TOTP, recovery codes, passkeys), when the adapter has one: its cases run then. */
  secondFactors?: SecondFactorDatabase<ID>;
  /** Reads back the stored token column as is (to prove what is and is not stored). */
  storedTokens(): Promise<string[]>;
  /**
   * Bulk inserts and the query plan of the token lookup, for the large-table
   * case; without it that case is skipped, saying so.
   */
  bulk?: BulkAccess<ID>;
  /** Releases connections; runs after each test. */
  dispose?(): Promise<void>;
}

/** What an adapter under test provides to the conformance suites. */
export interface DatabaseSuiteOptions<U extends User<ID>, ID> {
  /** Builds a fixture over empty tables. Called before every test. */
  create(): Promise<DatabaseFixture<U, ID>>;
  /** An id no user can have, of the adapter's id type. */
  unknownId: ID;
  /**
   * Cases this adapter cannot run, by test name, each with the reason printed
   * in the report (`{ "concurrent creates": "single-writer store" }`).
   */
  skip?: Record<string, string>;
}

/**
 * A suite's `it` that honours `options.skip`: a case the adapter names there
 * is skipped, its reason in its title.
 */
export function caseOf(
  skip: Record<string, string> | undefined,
): (title: string, body: (context: TestContext) => Promise<void>) => void {
  return (title, body) => {
    const reason = skip?.[title];
    if (reason) it.skip(`${title} (skipped: ${reason})`, body);
    else it(title, body);
  };
}
