export { runAccessTokenDatabaseSuite } from "./access-token-database-suite.js";
export type {
  BulkAccess,
  DatabaseFixture,
  DatabaseSuiteOptions,
  LookupPlan,
} from "./factory.js";
export { runOAuthAccountDatabaseSuite } from "./oauth-account-database-suite.js";
export { runRefreshTokenDatabaseSuite } from "./refresh-token-database-suite.js";
export { runSecondFactorDatabaseSuite } from "./second-factor-database-suite.js";
export {
  runSessionRaceSuite,
  type SessionRaceFixture,
  type SessionRaceOptions,
} from "./session-race-suite.js";
export type { RaceWriteName } from "./session-race-writes.js";
export {
  runStrategySuite,
  type StrategyFixture,
  type StrategySuiteOptions,
} from "./strategy-suite.js";
export { runUserDatabaseSuite, userData } from "./user-database-suite.js";
