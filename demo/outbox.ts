import { Hono } from "hono";
import { describeRoutes, methodNotAllowed } from "tessera/hono";

type Kind = "reset_password" | "verify";

/**
 * The last reset and verify token the manager's hooks received, per email: a
 * test-only window so black-box tests can run those flows. Served only when
 * the demo runs with TESSERA_EXPOSE_TOKENS=1.
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
  router(): Hono {
    const app = new Hono();
    app.get("/_test/tokens/:email", (c) => c.json(this.read(c.req.param("email"))));
    app.all("/_test/tokens/:email", methodNotAllowed(["GET"]));
    return describeRoutes(app, [
      {
        method: "get",
        path: "/_test/tokens/{email}",
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
    ]);
  }
}
