import type { MigrateOptions } from "../../adapters/kysely/migrate-to-latest.js";
import { DatabaseStrategy } from "../../strategies/database-strategy.js";
import { CliError } from "../cli-error.js";
import { withDatabase } from "../open-database.js";

/** Deletes access tokens older than `lifetime` seconds. */
export async function purgeTokens(input: {
  databaseUrl: string;
  schema: MigrateOptions;
  lifetime: string;
}): Promise<void> {
  const lifetimeSeconds = Number(input.lifetime);
  if (!Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) {
    throw new CliError(
      `--lifetime must be a positive number of seconds, got "${input.lifetime}"`,
      2,
    );
  }
  await withDatabase(input.databaseUrl, input.schema, async ({ accessTokens }) => {
    const deleted = await new DatabaseStrategy(accessTokens, { lifetimeSeconds }).purgeExpired();
    process.stdout.write(`deleted ${deleted} expired access token${deleted === 1 ? "" : "s"}\n`);
  });
}
