import { TesseraError } from "../core/errors.js";

/**
 * A user's account at an identity provider, linked to the user: FastAPI
 * Users' `oauth_account` row (same columns), so its tables open in place.
 */
export interface OAuthAccount<ID = string> {
  /** The row's own id (a UUID). */
  id: string;
  /** The provider's name as the app mounts it (`google`, `github`, `oidc`). */
  oauthName: string;
  /**
   * The provider's access token as stored: encrypted (`tessera-enc:v1:…`)
   * when the app gives a key, in clear otherwise (as FastAPI Users stores it).
   */
  accessToken: string;
  /** When the provider's access token expires, in seconds since the epoch; `null` when unknown. */
  expiresAt: number | null;
  /** The provider's refresh token as stored (see `accessToken`), or `null`. */
  refreshToken: string | null;
  /** The user's id at the provider (`sub`): with `oauthName`, what identifies the account. */
  accountId: string;
  /** The email the provider gave when the account was last used. */
  accountEmail: string;
  userId: ID;
}

/** What linking an account stores. */
export type OAuthAccountCreate<ID = string> = Omit<OAuthAccount<ID>, "id">;

/** What a sign-in refreshes of a linked account. */
export type OAuthAccountUpdate = Partial<
  Pick<OAuthAccount, "accessToken" | "expiresAt" | "refreshToken" | "accountEmail">
>;

/** What {@link OAuthAccountDatabase.deleteByUser} did. */
export type OAuthUnlinkOutcome =
  /** The user's account at that provider is gone. */
  | "deleted"
  /** Refused: it is the user's last linked account and `keepLast` was asked. */
  | "last"
  /** The user has no account at that provider. */
  | "none";

/**
 * Where linked provider accounts live (FastAPI Users keeps them on the user
 * database; tessera gives them their own store, one per adapter). Run
 * `runOAuthAccountDatabaseSuite` from `tessera-auth/testing` to check an
 * implementation.
 *
 * Implementations must:
 * - refuse a second link of one provider account, `(oauthName, accountId)`,
 *   to anyone, by throwing {@link OAuthAccountAlreadyLinked} from `add` (a
 *   unique index is the race-free way; FastAPI Users links it twice);
 * - delete a user's accounts with the user;
 * - throw `DatabaseUnavailableError` when the store cannot be reached.
 */
export interface OAuthAccountDatabase<ID = string> {
  /**
   * The account the provider knows by this id, or `null`. A FastAPI Users
   * table may hold one account twice (it has no unique index): any one of them.
   */
  getByAccount(oauthName: string, accountId: string): Promise<OAuthAccount<ID> | null>;
  /** The user's linked accounts, ordered by `oauthName` then `accountId`. */
  listByUser(userId: ID): Promise<OAuthAccount<ID>[]>;
  /** Links an account and returns it as stored (with its new id). */
  add(data: OAuthAccountCreate<ID>): Promise<OAuthAccount<ID>>;
  /** Stores what a sign-in learnt (new provider tokens, a changed email); `null` when the row is gone. */
  update(account: OAuthAccount<ID>, data: OAuthAccountUpdate): Promise<OAuthAccount<ID> | null>;
  /**
   * Unlinks the user's accounts at this provider. With `keepLast`, refuses
   * (`"last"`) when no other linked account of the user would remain, and
   * does so atomically: two unlinks racing on a user with two accounts leave
   * at least one (either may be refused).
   */
  deleteByUser(userId: ID, oauthName: string, keepLast: boolean): Promise<OAuthUnlinkOutcome>;
}

/** This provider account is already linked (to this user or another one). */
export class OAuthAccountAlreadyLinked extends TesseraError {
  override name = "OAuthAccountAlreadyLinked";
  constructor() {
    super("This provider account is already linked to a user");
  }
}
