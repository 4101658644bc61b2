import { DatabaseStrategy } from "../../strategies/database-strategy.js";
import type { CliSchema } from "../cli-config.js";
import { CliError } from "../cli-error.js";
import { withDatabase } from "../open-database.js";

/** Seconds a refresh token lives unless configured: `RefreshTokenOptions`' default. */
const REFRESH_LIFETIME = 30 * 24 * 3600;

function seconds(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new CliError(`${flag} must be a positive number of seconds, got "${value}"`, 2);
  }
  return parsed;
}

/**
 * Deletes access tokens older than `lifetime` seconds or, with an idle
 * timeout, unused for longer than it; and refresh tokens older than
 * `refreshLifetime`. In batches of 1,000 rows.
 */
export async function purgeTokens(input: {
  databaseUrl: string;
  schema: CliSchema;
  lifetime: string;
  idleTimeout?: string;
  refreshLifetime?: string;
}): Promise<void> {
  const lifetimeSeconds = seconds(input.lifetime, "--lifetime") as number;
  const idleTimeoutSeconds = seconds(input.idleTimeout, "--idle-timeout");
  const refreshLifetime = seconds(input.refreshLifetime, "--refresh-lifetime") ?? REFRESH_LIFETIME;
  await withDatabase(input.databaseUrl, input.schema, async ({ accessTokens, refreshTokens }) => {
    const strategy = new DatabaseStrategy(accessTokens, { lifetimeSeconds, idleTimeoutSeconds });
    const deleted = await strategy.purgeExpired();
    process.stdout.write(`deleted ${deleted} expired access token${deleted === 1 ? "" : "s"}\n`);
    const bound = new Date(Date.now() - refreshLifetime * 1000);
    const refreshed = await refreshTokens.deleteExpired(bound, { batchSize: 1000 });
    if (refreshed > 0) {
      process.stdout.write(
        `deleted ${refreshed} expired refresh token${refreshed === 1 ? "" : "s"}\n`,
      );
    }
  });
}
