import { ErrorCode } from "../../core/errors.js";
import { detail, NOT_FOUND, noContent, privateJson } from "../../core/http-result.js";
import type { User } from "../../core/models.js";
import type { OAuthAccount, OAuthAccountDatabase } from "../../oauth/oauth-account.js";
import { PROVIDER_NAME } from "../../oauth/provider-name.js";
import type { CurrentUserOptions, Tessera } from "../../tessera.js";
import { hasUsablePassword } from "../../users/password-helper.js";
import { eventSource } from "../event-source.js";
import { requireUser } from "../require-user.js";
import type { Route } from "../route.js";
import { fails, ok } from "./route-docs.js";

/** One linked account as its user sees it: never the provider's tokens. */
function accountRead(account: OAuthAccount<unknown>) {
  return {
    oauth_name: account.oauthName,
    account_id: account.accountId,
    account_email: account.accountEmail,
  };
}

const ACCOUNT_SCHEMA = {
  type: "object",
  properties: {
    oauth_name: { type: "string" },
    account_id: { type: "string" },
    account_email: { type: "string" },
  },
  required: ["oauth_name", "account_id", "account_email"],
};

/**
 * `GET /me/oauth-accounts` and `DELETE /me/oauth-accounts/{oauth_name}`
 * (mounted with the users routes, at `/users`): the providers the user can
 * sign in with, and unlinking one — refused when it is the last way to sign
 * in (no usable password, no other provider).
 */
export function oauthAccountRoutes<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  accounts: OAuthAccountDatabase<ID> | ((ctx: Ctx) => OAuthAccountDatabase<ID>),
  me: CurrentUserOptions<U, ID, Ctx>,
): Route<Ctx>[] {
  const storeOf = typeof accounts === "function" ? accounts : () => accounts;
  const list: Route<Ctx> = {
    method: "GET",
    path: "/me/oauth-accounts",
    doc: {
      operationId: "users:my_oauth_accounts",
      summary: "My linked providers",
      description: "The identity-provider accounts the user can sign in with (never their tokens).",
      tags: ["users"],
      security: tessera.backends,
      responses: { 200: ok("Linked accounts", { type: "array", items: ACCOUNT_SCHEMA }) },
    },
    async handle(call) {
      const { user } = await requireUser(tessera, call, me);
      const linked = await storeOf(call.ctx).listByUser(user.id);
      return privateJson(200, linked.map(accountRead));
    },
  };
  const unlink: Route<Ctx> = {
    method: "DELETE",
    path: "/me/oauth-accounts/{oauth_name}",
    doc: {
      operationId: "users:unlink_oauth_account",
      summary: "Unlink a provider",
      description:
        "Unlinks the user's account at this provider. Refused when it is the last way to " +
        "sign in: set a password first (forgot password works), or link another provider.",
      tags: ["users"],
      security: tessera.backends,
      parameters: [
        { name: "oauth_name", description: "The provider's name", schema: { type: "string" } },
      ],
      responses: {
        204: { description: "Unlinked" },
        400: fails("The user's last way to sign in", ErrorCode.OAUTH_LAST_SIGN_IN_METHOD),
        404: fails("No account at this provider is linked", "Not Found"),
      },
    },
    async handle(call) {
      const { user } = await requireUser(tessera, call, me);
      const name = call.params.oauth_name ?? "";
      if (!PROVIDER_NAME.test(name)) return NOT_FOUND;
      const keepLast = !hasUsablePassword(user.hashedPassword);
      const outcome = await storeOf(call.ctx).deleteByUser(user.id, name, keepLast);
      if (outcome === "none") return NOT_FOUND;
      if (outcome === "last") return detail(400, ErrorCode.OAUTH_LAST_SIGN_IN_METHOD);
      tessera.events.emit("oauth.unlinked", {
        ...eventSource(tessera, call.request),
        at: new Date(),
        userId: user.id,
        provider: name,
      });
      return noContent();
    },
  };
  return [list, unlink];
}
