/** Who did something, as a request shows it: never a token. */
export interface EventSource {
  /** The client's address (behind trusted proxies, the forwarded one). */
  ip: string | null;
  /** The client's `User-Agent`. */
  userAgent: string | null;
}

/** Why a session ended. */
export type RevocationReason =
  /** `POST /logout` with the session's own token. */
  | "logout"
  /** `POST /logout-all`: every session of the user. */
  | "logout_all"
  /** The user ended it (or all their others) from the sessions routes. */
  | "user"
  /** A superuser ended it from the sessions routes. */
  | "admin"
  /** A new password, a new email or a deactivation ended the user's other sessions. */
  | "credentials_changed"
  /** A password reset ended every session of the user. */
  | "password_reset"
  /** A login past `maxSessionsPerUser` ended the oldest. */
  | "cap"
  /** A purge deleted sessions past their lifetime or idle timeout. */
  | "expiry"
  /** A refresh token was presented twice: its whole family ended. */
  | "refresh_reuse";

/**
 * tessera's lifecycle events, for audit logs. Each carries the user's id and,
 * where one is involved, the session's public id; none carries a token or a
 * password. `at` is when it happened (a strategy reads its own clock).
 */
export interface TesseraEventMap<ID = unknown> {
  /**
   * A login succeeded and started a session. `amr` is how it was proven
   * (`["password"]`, `["oauth:google"]`…), as the session records it.
   */
  login: EventSource & {
    at: Date;
    userId: ID;
    sessionId: string | null;
    backend: string;
    amr: string[];
  };
  /**
   * A login was refused. `userId` is set only when the password was right
   * (inactive, unverified, too many sessions).
   */
  "login.failed": EventSource & {
    at: Date;
    userId: ID | null;
    reason: "bad_credentials" | "inactive" | "unverified" | "too_many_sessions";
  };
  /** A session was created (by a login); `amr` as in `login`. */
  "session.created": EventSource & {
    at: Date;
    userId: ID;
    sessionId: string | null;
    amr: string[];
  };
  /** A refresh token was exchanged for a new pair; the session goes on under the same id. */
  "session.refreshed": EventSource & { at: Date; userId: ID; sessionId: string };
  /**
   * Sessions ended. `sessionId` is set when exactly one known session ended;
   * `count` is how many ended (for bulk revocations, where ids are not read).
   */
  "session.revoked": Partial<EventSource> & {
    at: Date;
    userId: ID | null;
    sessionId: string | null;
    count: number;
    reason: RevocationReason;
  };
  /**
   * A refresh token that was already used came back: a copy of it is in
   * other hands. Its whole family is revoked; this is the stolen-token signal.
   */
  "refresh.reused": EventSource & { at: Date; userId: ID; sessionId: string };
  "password.changed": EventSource & { at: Date; userId: ID };
  "password.reset": EventSource & { at: Date; userId: ID };
  "email.changed": EventSource & { at: Date; userId: ID };
  /**
   * A provider account was linked to a user: by a sign-in (`sign_in`, which
   * `created` the user when none had the email) or by the signed-in user (`associate`).
   */
  "oauth.linked": EventSource & {
    at: Date;
    userId: ID;
    provider: string;
    flow: "sign_in" | "associate";
    created: boolean;
  };
  /** The user unlinked their account at a provider. */
  "oauth.unlinked": EventSource & { at: Date; userId: ID; provider: string };
}

export type TesseraEventName = keyof TesseraEventMap;

type Listener<E> = (event: E) => unknown;

/**
 * Where tessera's lifecycle events go: process-scoped, shared by the
 * {@link Tessera} facade and the strategies (give them the same instance).
 * Listeners run after the change is stored and are not awaited; an error in
 * one (thrown or rejected) is reported to `onListenerError` and never breaks
 * the request.
 *
 * @example
 * const events = new TesseraEvents<string>();
 * events.on("refresh.reused", (e) => alert(`stolen refresh token for ${e.userId}`));
 * events.on("session.revoked", (e) => audit.write(e));
 */
export class TesseraEvents<ID = unknown> {
  readonly #listeners = new Map<string, Listener<never>[]>();
  readonly #onListenerError: (error: unknown, name: TesseraEventName) => void;

  constructor(
    options: { onListenerError?: (error: unknown, name: TesseraEventName) => void } = {},
  ) {
    this.#onListenerError =
      options.onListenerError ??
      ((error, name) => console.error(`tessera: a "${name}" event listener failed:`, error));
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof TesseraEventMap<ID>>(
    name: K,
    listener: Listener<TesseraEventMap<ID>[K]>,
  ): () => void {
    const list = this.#listeners.get(name) ?? [];
    list.push(listener as Listener<never>);
    this.#listeners.set(name, list);
    return () => {
      const at = list.indexOf(listener as Listener<never>);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Whether anything listens to `name` (so an event costs nothing to build when not). */
  has(name: keyof TesseraEventMap<ID>): boolean {
    return (this.#listeners.get(name)?.length ?? 0) > 0;
  }

  /** Calls each listener of `name` with `event`; never throws. */
  emit<K extends keyof TesseraEventMap<ID>>(name: K, event: TesseraEventMap<ID>[K]): void {
    const list = this.#listeners.get(name);
    if (!list) return;
    for (const listener of [...list]) {
      try {
        const result = (listener as Listener<TesseraEventMap<ID>[K]>)(event);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.#report(error, name));
        }
      } catch (error) {
        this.#report(error, name);
      }
    }
  }

  #report(error: unknown, name: keyof TesseraEventMap<ID>): void {
    try {
      this.#onListenerError(error, name as TesseraEventName);
    } catch {
      // The error reporter failed too: nothing is left to tell.
    }
  }
}
