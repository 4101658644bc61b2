import type { Clock } from "../core/clock.js";
import type { ProviderTokens } from "./provider.js";

/** The tokens of a token-endpoint answer, with `expires_in` turned into a time. */
export function providerTokens(
  answer: { access_token: string; refresh_token?: string; expires_in?: number },
  clock: Clock,
): ProviderTokens {
  const expiresIn = answer.expires_in;
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? null,
    expiresAt:
      typeof expiresIn === "number" && Number.isFinite(expiresIn)
        ? Math.floor(clock().getTime() / 1000) + Math.floor(expiresIn)
        : null,
  };
}
