export { runAccessTokenDatabaseSuite } from "./access-token-database-suite.js";
export type { DatabaseFixture, DatabaseSuiteOptions } from "./factory.js";
export { runUserDatabaseSuite, userData } from "./user-database-suite.js";
