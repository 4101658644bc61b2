import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, type Interaction, type Provider } from "oidc-provider";
import { loginPage, messagePage } from "./pages.js";
import type { IdpUser } from "./test-users.js";

const WRONG_CREDENTIALS = "Wrong email or password";
const MAX_FORM_BYTES = 16 * 1024;

/** A node:http handler that answers its own paths and returns true, or returns false. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The provider's interactions, in front of oidc-provider's routes:
 * - `GET /interaction/{uid}`: the login form; on the consent prompt, the requested scopes and
 *   claims are granted at once and the browser goes on (no consent page);
 * - `POST /interaction/{uid}/login`: right credentials finish the login, wrong ones show the
 *   form again (401, "Wrong email or password");
 * - `POST /interaction/{uid}/abort`: ends the request with `access_denied`.
 */
export function interactionRoutes(provider: Provider, users: readonly IdpUser[]): RouteHandler {
  return async function interactionRoute(req, res) {
    const { pathname } = new URL(req.url ?? "/", "http://idp.invalid");
    const match = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(pathname);
    if (!match) return false;
    const [, uid = "", action] = match;
    const method = action ? "POST" : "GET";
    if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
      res.setHeader("Allow", method === "GET" ? "GET, HEAD" : "POST");
      send(res, 405, messagePage("Method not allowed", [`Use ${method} here.`]));
      return true;
    }
    try {
      const interaction = await provider.interactionDetails(req, res);
      if (interaction.uid !== uid) {
        send(res, 400, messagePage("Wrong sign-in", ["This page is not the current sign-in."]));
      } else if (action === "abort") {
        await provider.interactionFinished(
          req,
          res,
          { error: "access_denied", error_description: "End-User aborted interaction" },
          { mergeWithLastSubmission: false },
        );
      } else if (interaction.prompt.name === "consent" && !action) {
        await grantConsent(provider, interaction, req, res);
      } else if (interaction.prompt.name !== "login") {
        send(res, 400, messagePage("Unsupported", [`No page for "${interaction.prompt.name}".`]));
      } else if (action === "login") {
        await login(provider, interaction, users, req, res);
      } else {
        send(res, 200, loginPage({ uid, clientName: await clientNameOf(provider, interaction) }));
      }
    } catch (error) {
      if (!(error instanceof errors.SessionNotFound)) throw error;
      send(
        res,
        400,
        messagePage("This sign-in has expired", [
          "Its cookie is missing or it took too long. Start again from the app.",
        ]),
      );
    }
    return true;
  };
}

async function login(
  provider: Provider,
  interaction: Interaction,
  users: readonly IdpUser[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const form = await readForm(req);
  if (!form) {
    send(res, 413, messagePage("Too large", ["The form sent is too large."]));
    return;
  }
  const email = form.get("email") ?? "";
  const user = findUser(users, email, form.get("password") ?? "");
  if (!user) {
    const clientName = await clientNameOf(provider, interaction);
    send(
      res,
      401,
      loginPage({ uid: interaction.uid, clientName, email, error: WRONG_CREDENTIALS }),
    );
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: user.sub } });
}

/** Grants what the consent prompt found missing: a test provider asks no second question. */
async function grantConsent(
  provider: Provider,
  interaction: Interaction,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { details } = interaction.prompt;
  const accountId = interaction.session?.accountId;
  if (accountId === undefined) throw new errors.SessionNotFound("no signed-in account to consent");
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant =
    existing ?? new provider.Grant({ accountId, clientId: interaction.params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(" "));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(" "));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { consent: existing ? {} : { grantId } },
    { mergeWithLastSubmission: true },
  );
}

function findUser(users: readonly IdpUser[], email: string, password: string): IdpUser | undefined {
  const wanted = email.trim().toLowerCase();
  const user = users.find(
    (candidate) => (candidate.username ?? candidate.email)?.toLowerCase() === wanted,
  );
  return user && samePassword(user.password, password) ? user : undefined;
}

function samePassword(expected: string, given: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

async function clientNameOf(provider: Provider, interaction: Interaction): Promise<string> {
  const client = await provider.Client.find(interaction.params.client_id);
  return client?.clientName ?? interaction.params.client_id;
}

/** The urlencoded form posted, or null past MAX_FORM_BYTES. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  );
  res.end(res.req.method === "HEAD" ? undefined : html);
}
