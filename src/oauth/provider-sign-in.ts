import { UserAlreadyExists, UserNotExists } from "../core/errors.js";
import type { HttpRequest } from "../core/http-request.js";
import type { User } from "../core/models.js";
import type { UserManager } from "../users/user-manager.js";
import {
  type OAuthAccount,
  OAuthAccountAlreadyLinked,
  type OAuthAccountDatabase,
} from "./oauth-account.js";
import type { ProviderIdentity } from "./provider.js";
import { UnverifiedProviderEmail } from "./provider-errors.js";
import type { TokenCipher } from "./token-cipher.js";

/** A provider's identity with the email the sign-in needs. */
export type IdentityWithEmail = ProviderIdentity & { email: string };

export interface ProviderSignInOptions {
  /**
   * An unlinked provider account whose email is a user's: link it to that
   * user, but only when the provider asserts it verified the address and the
   * user verified it too (else a stranger's account, or one registered
   * ahead of its owner, would be an account-takeover path). @default false
   */
  associateByEmail: boolean;
  /** A user created by the sign-in is verified when the provider verified the email. @default false */
  isVerifiedByDefault: boolean;
  /**
   * Create users from emails the provider does not say it verified. Off, a
   * sign-up with one throws {@link UnverifiedProviderEmail}: whoever owns the
   * mailbox could later take the account by a password reset while the
   * provider account, someone else's, stays linked. @default false
   */
  allowUnverifiedEmails?: boolean;
  request?: HttpRequest;
}

/** How a sign-in found its user. */
export type SignInOutcome = "existing" | "linked" | "created";

/** Where a sign-in's accounts are and how their tokens are stored. */
export interface ProviderAccountStore<ID> {
  readonly accounts: OAuthAccountDatabase<ID>;
  readonly cipher: TokenCipher | null;
}

/**
 * The user a provider sign-in logs in (FastAPI Users' `oauth_callback`): the
 * one the provider account is linked to (its tokens refreshed); else, with
 * `associateByEmail`, an email verified by both sides, the user with that
 * email, now linked; else a new user without a password, linked (a
 * verified email only, unless `allowUnverifiedEmails`). A user with that
 * email who cannot be linked throws {@link UserAlreadyExists}.
 */
export async function signInWithProvider<U extends User<ID>, ID>(
  manager: UserManager<U, ID>,
  store: ProviderAccountStore<ID>,
  provider: string,
  identity: IdentityWithEmail,
  options: ProviderSignInOptions,
): Promise<{ user: U; outcome: SignInOutcome }> {
  // Twice at most: a concurrent first sign-in of the same account may link it first.
  for (let attempt = 0; attempt < 2; attempt++) {
    const linked = await store.accounts.getByAccount(provider, identity.accountId);
    if (linked) {
      const user = await manager.get(linked.userId);
      await store.accounts.update(linked, storedFields(store, identity));
      return { user, outcome: "existing" };
    }
    const owner = await findByEmail(manager, identity.email);
    let user: U;
    let outcome: SignInOutcome;
    if (owner) {
      const linkable = options.associateByEmail && identity.emailVerified && owner.isVerified;
      if (!linkable) throw new UserAlreadyExists();
      user = owner;
      outcome = "linked";
    } else {
      if (!(identity.emailVerified || options.allowUnverifiedEmails)) {
        throw new UnverifiedProviderEmail();
      }
      try {
        user = await manager.createWithoutPassword(
          {
            email: identity.email,
            isVerified: options.isVerifiedByDefault && identity.emailVerified,
          },
          { request: options.request },
        );
      } catch (error) {
        // Created by a concurrent sign-in with the same email: read again.
        if (error instanceof UserAlreadyExists && attempt === 0) continue;
        throw error;
      }
      outcome = "created";
    }
    try {
      await store.accounts.add(newAccount(store, provider, identity, user.id));
      return { user, outcome };
    } catch (error) {
      if (!(error instanceof OAuthAccountAlreadyLinked)) throw error;
      const winner = await store.accounts.getByAccount(provider, identity.accountId);
      if (winner?.userId === user.id) return { user, outcome };
      // Linked meanwhile to another user: the one made for it here is not needed.
      if (outcome === "created") await manager.delete(user, { request: options.request });
      if (attempt === 1) throw error;
    }
  }
  throw new OAuthAccountAlreadyLinked();
}

/**
 * Links a provider account to a signed-in user (FastAPI Users'
 * `oauth_associate_callback`), or refreshes it when it is theirs already.
 * Throws {@link OAuthAccountAlreadyLinked} when it is linked to another
 * user (FastAPI Users would link it twice).
 */
export async function linkProviderAccount<ID>(
  store: ProviderAccountStore<ID>,
  provider: string,
  identity: IdentityWithEmail,
  userId: ID,
): Promise<"linked" | "updated"> {
  const linked = await store.accounts.getByAccount(provider, identity.accountId);
  if (linked) {
    if (linked.userId !== userId) throw new OAuthAccountAlreadyLinked();
    await store.accounts.update(linked, storedFields(store, identity));
    return "updated";
  }
  await store.accounts.add(newAccount(store, provider, identity, userId));
  return "linked";
}

async function findByEmail<U extends User<ID>, ID>(
  manager: UserManager<U, ID>,
  email: string,
): Promise<U | null> {
  try {
    return await manager.getByEmail(email);
  } catch (error) {
    if (error instanceof UserNotExists) return null;
    throw error;
  }
}

/**
 * What a sign-in stores of the provider's answer. A refresh token is kept
 * when the answer has none (Google sends one only at the first consent).
 */
function storedFields<ID>(store: ProviderAccountStore<ID>, identity: IdentityWithEmail) {
  const { accessToken, refreshToken, expiresAt } = identity.tokens;
  const seal = (token: string) => store.cipher?.encrypt(token) ?? token;
  return {
    accessToken: seal(accessToken),
    ...(refreshToken === null ? {} : { refreshToken: seal(refreshToken) }),
    expiresAt,
    accountEmail: identity.email,
  };
}

function newAccount<ID>(
  store: ProviderAccountStore<ID>,
  provider: string,
  identity: IdentityWithEmail,
  userId: ID,
): Omit<OAuthAccount<ID>, "id"> {
  return {
    refreshToken: null,
    ...storedFields(store, identity),
    oauthName: provider,
    accountId: identity.accountId,
    userId,
  };
}
