import { hash as bcryptHash } from "@node-rs/bcrypt";
import { PasswordHelper } from "tessera-auth";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ENGINE } from "../support/test-database.js";
import { bearer, expectUnauthorized, jsonBody, PASSWORD, TestServer } from "./harness.js";

/**
 * Credential changes raced against the requests they must win against, over
 * real HTTP with the default argon2id cost. Two kinds of race: requests fired
 * together for many rounds with staggered starts (whatever interleaving the
 * machine makes), and a request held inside password hashing while the
 * change runs to its end (the worst interleaving, every time).
 */
const ROUNDS = 20;
const NEW_PASSWORD = "a brand new password";

/** Holds the next verification (or hash) after its caller has read the user, until released. */
class GatedPasswords extends PasswordHelper {
  #verify: Gate | null = null;
  #hash: Gate | null = null;

  holdNextVerify(): Gate {
    this.#verify = new Gate();
    return this.#verify;
  }

  holdNextHash(): Gate {
    this.#hash = new Gate();
    return this.#hash;
  }

  override async verifyAndUpdate(password: string, storedHash: string) {
    const gate = this.#verify;
    this.#verify = null;
    await gate?.pass();
    return super.verifyAndUpdate(password, storedHash);
  }

  override async hash(password: string) {
    const gate = this.#hash;
    this.#hash = null;
    await gate?.pass();
    return super.hash(password);
  }
}

class Gate {
  #reached!: () => void;
  #open!: () => void;
  /** Resolves once a request is waiting at the gate. */
  readonly reached = new Promise<void>((resolve) => {
    this.#reached = resolve;
  });
  readonly #opened = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  pass(): Promise<void> {
    this.#reached();
    return this.#opened;
  }

  open(): void {
    this.#open();
  }
}

const passwords = new GatedPasswords();
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start({ database: "file", passwordHelper: passwords });
});
afterAll(async () => {
  await server.close();
});

function loginResponse(email: string, password = PASSWORD): Promise<Response> {
  return server.fetch("/auth/login", {
    method: "POST",
    body: new URLSearchParams({ username: email, password }),
  });
}

/** The tokens of the logins that answered 200; every other answer must be a clean 400. */
async function issuedTokens(responses: Response[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const response of responses) {
    expect([200, 400]).toContain(response.status);
    const body = (await response.json()) as { access_token?: string; detail?: string };
    if (response.status === 200) tokens.push(body.access_token as string);
    else expect(body.detail).toBe("LOGIN_BAD_CREDENTIALS");
  }
  return tokens;
}

function times<T>(n: number, make: (n: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => make(i)));
}

/** Starts `later` a few milliseconds after `first` (0 to 8, by round), both in flight together. */
async function staggered<A, B>(
  round: number,
  first: () => Promise<A>,
  later: () => Promise<B>,
): Promise<[A, B]> {
  const a = first();
  await new Promise((resolve) => setTimeout(resolve, (round % 5) * 2));
  const b = later();
  return [await a, await b];
}

function reset(token: string, password = NEW_PASSWORD): Promise<Response> {
  return server.fetch("/auth/reset-password", jsonBody("POST", { token, password }));
}

describe(`credential changes racing logins on ${ENGINE}, ${ROUNDS} rounds each`, () => {
  test("a token issued by a login that raced a password reset never works after the reset", async () => {
    let raced = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const email = `reset${round}@example.com`;
      await server.register(email);
      const token = await server.resetToken(email);
      const [answer, logins] = await staggered(
        round,
        () => reset(token),
        () => times(3, () => loginResponse(email)),
      );
      expect(answer.status).toBe(200);
      const tokens = await issuedTokens(logins);
      raced += tokens.length;
      for (const issued of tokens) await expectUnauthorized(await server.me(bearer(issued)));
      expect((await loginResponse(email, NEW_PASSWORD)).status).toBe(200);
    }
    // Logins read the user before the reset committed: the race was run, not avoided.
    expect(raced).toBeGreaterThan(0);
  });

  test("a login held in verification while a reset completes gets a token that never works", async () => {
    const email = "held-reset@example.com";
    await server.register(email);
    const token = await server.resetToken(email);
    const gate = passwords.holdNextVerify();
    const login = loginResponse(email);
    await gate.reached;
    expect((await reset(token)).status).toBe(200);
    gate.open();
    for (const issued of await issuedTokens([await login])) {
      await expectUnauthorized(await server.me(bearer(issued)));
    }
  });

  test("a login held in verification while PATCH /users/me {password} completes gets a dead token", async () => {
    const email = "held-change@example.com";
    const { token: session } = await server.user(email);
    const gate = passwords.holdNextVerify();
    const login = loginResponse(email);
    await gate.reached;
    const change = await server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: NEW_PASSWORD }, bearer(session)),
    );
    expect(change.status).toBe(200);
    gate.open();
    for (const issued of await issuedTokens([await login])) {
      await expectUnauthorized(await server.me(bearer(issued)));
    }
    expect((await server.me(bearer(session))).status).toBe(200);
  });

  test("a login held in verification while an admin deactivates the user gets a dead token", async () => {
    const { token: root } = await server.superuser("root-deactivate@example.com");
    const email = "held-deactivate@example.com";
    const { id } = await server.register(email);
    const gate = passwords.holdNextVerify();
    const login = loginResponse(email);
    await gate.reached;
    const change = await server.fetch(
      `/users/${id}`,
      jsonBody("PATCH", { is_active: false }, bearer(root)),
    );
    expect(change.status).toBe(200);
    await server.fetch(`/users/${id}`, jsonBody("PATCH", { is_active: true }, bearer(root)));
    gate.open();
    for (const issued of await issuedTokens([await login])) {
      await expectUnauthorized(await server.me(bearer(issued)));
    }
  });

  test("a token issued by a login that raced PATCH /users/me {password} never works after it", async () => {
    let raced = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const email = `change${round}@example.com`;
      const { token: session } = await server.user(email);
      const [change, logins] = await staggered(
        round,
        () =>
          server.fetch("/users/me", jsonBody("PATCH", { password: NEW_PASSWORD }, bearer(session))),
        () => times(3, () => loginResponse(email)),
      );
      expect(change.status).toBe(200);
      const tokens = await issuedTokens(logins);
      raced += tokens.length;
      for (const issued of tokens) await expectUnauthorized(await server.me(bearer(issued)));
      // The session that made the change keeps working.
      expect((await server.me(bearer(session))).status).toBe(200);
    }
    expect(raced).toBeGreaterThan(0);
  });

  test("a rehash at login never restores the old password over a reset", async () => {
    for (const held of [false, true]) {
      for (let round = 0; round < (held ? 1 : ROUNDS); round++) {
        const email = `rehash${round}-${held}@example.com`;
        const { id } = await server.register(email);
        // A hash from another system (bcrypt): the next successful login upgrades it to argon2id.
        await server.setup.db
          .updateTable("user")
          .set({ hashed_password: await bcryptHash(PASSWORD, 4) })
          .where("id", "=", id)
          .execute();
        const token = await server.resetToken(email);
        let login: Response;
        if (held) {
          const gate = passwords.holdNextVerify();
          const pending = loginResponse(email);
          await gate.reached;
          expect((await reset(token)).status).toBe(200);
          gate.open();
          login = await pending;
          expect(login.status).toBe(400);
        } else {
          const [answer, raced] = await staggered(
            round,
            () => reset(token),
            () => loginResponse(email),
          );
          expect(answer.status).toBe(200);
          login = raced;
        }
        await issuedTokens([login]);
        expect((await loginResponse(email, NEW_PASSWORD)).status).toBe(200);
        expect((await loginResponse(email, PASSWORD)).status).toBe(400);
      }
    }
  });

  test("an upgrading login leaves an outstanding reset token working", async () => {
    const email = "upgrade@example.com";
    const { id } = await server.register(email);
    await server.setup.db
      .updateTable("user")
      .set({ hashed_password: await bcryptHash(PASSWORD, 4) })
      .where("id", "=", id)
      .execute();
    const token = await server.resetToken(email);
    expect((await loginResponse(email)).status).toBe(200);
    const row = await server.setup.db
      .selectFrom("user")
      .select("hashed_password")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.hashed_password).toMatch(/^\$argon2id\$/);
    expect((await reset(token)).status).toBe(200);
  });

  test("one reset token spent by 10 requests at once: one 200, nine 400, the winner's password", async () => {
    for (let round = 0; round < 5; round++) {
      const email = `spend${round}@example.com`;
      await server.register(email);
      const token = await server.resetToken(email);
      const candidates = Array.from({ length: 10 }, (_, n) => `new password number ${n}`);
      const answers = await Promise.all(candidates.map((password) => reset(token, password)));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      for (const answer of answers) {
        if (answer.status !== 200) {
          expect(answer.status).toBe(400);
          expect(await answer.json()).toEqual({ detail: "RESET_PASSWORD_BAD_TOKEN" });
        }
      }
      const winner = candidates[statuses.indexOf(200)] as string;
      const logins = await Promise.all(
        candidates.map((password) => loginResponse(email, password)),
      );
      expect(logins.map((login) => login.status)).toEqual(
        candidates.map((password) => (password === winner ? 200 : 400)),
      );
    }
  });

  test("verifying while the email changes never verifies the new address", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const email = `verify${round}@example.com`;
      const { token: session } = await server.user(email);
      const verifyToken = await server.verifyToken(email);
      const [verify, change] = await Promise.all([
        server.fetch("/auth/verify", jsonBody("POST", { token: verifyToken })),
        server.fetch(
          "/users/me",
          jsonBody("PATCH", { email: `changed${round}@example.com` }, bearer(session)),
        ),
      ]);
      expect([200, 400]).toContain(verify.status);
      expect(change.status).toBe(200);
      const me = (await (await server.me(bearer(session))).json()) as Record<string, unknown>;
      expect(me).toMatchObject({ email: `changed${round}@example.com`, is_verified: false });
    }
  });

  test("ten verifications of one token at once: one 200, the others VERIFY_USER_ALREADY_VERIFIED", async () => {
    const email = "verify-many@example.com";
    await server.register(email);
    const token = await server.verifyToken(email);
    const answers = await times(10, () =>
      server.fetch("/auth/verify", jsonBody("POST", { token })),
    );
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as {
      detail?: string;
    }[];
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(bodies.filter((body) => body.detail === "VERIFY_USER_ALREADY_VERIFIED")).toHaveLength(9);
  });

  test("logins racing the user's deletion answer 200 or 400, never 500; no token outlives it", async () => {
    const { token: root } = await server.superuser("root-delete@example.com");
    const remove = (id: string) =>
      server.fetch(`/users/${id}`, { method: "DELETE", headers: bearer(root) });
    for (let round = 0; round < ROUNDS; round++) {
      const email = `gone${round}@example.com`;
      const { id } = await server.register(email);
      const [logins, deletion] = await staggered(
        round,
        () => times(3, () => loginResponse(email)),
        () => remove(id),
      );
      expect(deletion.status).toBe(204);
      for (const issued of await issuedTokens(logins)) {
        await expectUnauthorized(await server.me(bearer(issued)));
      }
    }
    // The worst case: the user deleted while a login that found it verifies the password.
    const { id } = await server.register("held-gone@example.com");
    const gate = passwords.holdNextVerify();
    const login = loginResponse("held-gone@example.com");
    await gate.reached;
    expect((await remove(id)).status).toBe(204);
    gate.open();
    expect(await (await login).json()).toEqual({ detail: "LOGIN_BAD_CREDENTIALS" });
  });

  test("PATCH /users/me for a user deleted while it hashes answers 401 and writes nothing", async () => {
    const { token: root } = await server.superuser("root-patch@example.com");
    const { user, token } = await server.user("patched@example.com");
    const gate = passwords.holdNextHash();
    const patch = server.fetch(
      "/users/me",
      jsonBody("PATCH", { password: NEW_PASSWORD }, bearer(token)),
    );
    await gate.reached;
    const deletion = await server.fetch(`/users/${user.id}`, {
      method: "DELETE",
      headers: bearer(root),
    });
    expect(deletion.status).toBe(204);
    gate.open();
    await expectUnauthorized(await patch);
    expect(
      await server.setup.db.selectFrom("user").select("id").where("id", "=", user.id).execute(),
    ).toEqual([]);
  });
});
