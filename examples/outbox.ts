import { json, type Route } from "tessera-auth";

type Kind = "reset_password" | "verify";

/**
 * The last reset and verify token the manager's hooks received, per email: a
 * test-only window so black-box tests can run those flows. Served only when
 * an example runs with TESSERA_EXPOSE_TOKENS=1.
 */
export class Outbox {
  readonly #tokens = new Map<string, Record<Kind, string | null>>();

  record(email: string, kind: Kind, token: string): void {
    const key = email.toLowerCase();
    const entry = this.#tokens.get(key) ?? { reset_password: null, verify: null };
    entry[kind] = token;
    this.#tokens.set(key, entry);
  }

  read(email: string): Record<Kind, string | null> {
    return this.#tokens.get(email.toLowerCase()) ?? { reset_password: null, verify: null };
  }

  /** `GET /_test/tokens/{email}` → `{"reset_password": …, "verify": …}` (nulls when none yet). */
  route(): Route {
    return {
      method: "GET",
      path: "/_test/tokens/{email}",
      doc: {
        operationId: "test:tokens",
        summary: "Last tokens sent to an email (TESSERA_EXPOSE_TOKENS=1 only)",
        description: "Test-only: never enable it where real users are.",
        tags: ["testing"],
        parameters: [{ name: "email", description: "The address", schema: { type: "string" } }],
        responses: {
          200: {
            description: "The last tokens, or null",
            schema: {
              type: "object",
              properties: {
                reset_password: { type: ["string", "null"] },
                verify: { type: ["string", "null"] },
              },
              required: ["reset_password", "verify"],
            },
          },
        },
      },
      handle: async ({ params }) => json(200, this.read(params.email ?? "")),
    };
  }
}
