import type { HeaderReader } from "../core/http-request.js";
import { type HttpResult, noContent, privateJson } from "../core/http-result.js";
import type { RefreshGrant, Transport } from "./transport.js";

export interface BearerTransportOptions {
  /** Where clients get a token (shown in the OpenAPI document). @default "auth/login" */
  tokenUrl?: string;
}

/**
 * Tokens in the `Authorization: Bearer <token>` header (scheme case-insensitive);
 * login answers `{"access_token": "<token>", "token_type": "bearer"}`, plus
 * `refresh_token` and `expires_in` (seconds) when sessions are refreshed.
 *
 * @example
 * const transport = new BearerTransport({ tokenUrl: "auth/login" });
 */
export class BearerTransport implements Transport {
  readonly tokenUrl: string;

  constructor(options: BearerTransportOptions = {}) {
    this.tokenUrl = options.tokenUrl ?? "auth/login";
  }

  readToken(headers: HeaderReader): string | null {
    const authorization = headers.get("authorization");
    if (!authorization) return null;
    const space = authorization.indexOf(" ");
    if (space !== 6 || authorization.slice(0, 6).toLowerCase() !== "bearer") return null;
    return authorization.slice(7) || null;
  }

  loginResult(token: string, refresh?: RefreshGrant): HttpResult {
    if (!refresh) return privateJson(200, { access_token: token, token_type: "bearer" });
    return privateJson(200, {
      access_token: token,
      token_type: "bearer",
      refresh_token: refresh.refreshToken,
      expires_in: refresh.expiresIn,
    });
  }

  logoutResult(): HttpResult {
    return noContent();
  }

  /** OAuth2 password flow against `tokenUrl`, as FastAPI's `OAuth2PasswordBearer`. */
  openApiSecurityScheme(): Record<string, unknown> {
    return { type: "oauth2", flows: { password: { scopes: {}, tokenUrl: this.tokenUrl } } };
  }
}
