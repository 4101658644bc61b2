import type { AccessTokenDatabase } from "../db/access-token-database.js";
import type { UserDatabase } from "../db/user-database.js";
import type { User } from "../models.js";

/** Fresh, empty databases for one test, and how to dispose of them. */
export interface DatabaseFixture<U extends User<ID>, ID> {
  users: UserDatabase<U, ID>;
  accessTokens: AccessTokenDatabase<U, ID>;
  /** Reads back the stored token column as is (to prove what is and is not stored). */
  storedTokens(): Promise<string[]>;
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
