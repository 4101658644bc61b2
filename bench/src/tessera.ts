/**
 * The library as users run it: the built `dist` of the repository root (the
 * bench script builds it first). One import site, so the path is written once.
 */
export { connect, kyselyAdapter, migrateToLatest } from "../../dist/adapters/kysely/index.js";
export {
  DatabaseStrategy,
  generateToken,
  hashToken,
  PasswordHelper,
} from "../../dist/index.js";
