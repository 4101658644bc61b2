import type { User } from "../../core/models.js";
import type { Tessera } from "../../tessera.js";
import { MISSING_SECRET } from "../../users/account-tokens.js";
import type { UserManager } from "../../users/user-manager.js";

/**
 * The manager every request gets, when `getUserManager` takes no argument (a
 * shared manager, the usual case); `null` when it is built from the request,
 * which cannot be asked before one arrives.
 */
function sharedManager<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
): UserManager<U, ID> | null {
  return tessera.getUserManager.length === 0 ? tessera.getUserManager(undefined as Ctx) : null;
}

/**
 * Refuses, when the routes are built, to mount routes whose manager lacks the
 * secret they sign with: otherwise the first request would find out (a 500).
 */
export function requireTokenSecret<U extends User<ID>, ID, Ctx>(
  tessera: Tessera<U, ID, Ctx>,
  secret: "reset" | "verify",
  routes: string,
): void {
  const manager = sharedManager(tessera);
  if (manager === null) return;
  const ready = secret === "reset" ? manager.canResetPasswords : manager.canVerifyEmails;
  if (!ready) throw new TypeError(`${routes}: ${MISSING_SECRET[secret]}`);
}
