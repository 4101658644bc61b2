// `npm run idp`: the local OpenID provider (demo/idp.ts) for the demo's "sign in with" button.
// Prints the issuer, the line that starts the demo against it, and the users with their passwords.
import { startIdp } from "./idp.js";

/** The client secret when TESSERA_OIDC_CLIENT_SECRET is unset: for development, never a secret. */
const DEV_CLIENT_SECRET = "tessera-demo-dev-secret";

const env = process.env;

/** Ends the process with one line on stderr, exit code 1. */
function fail(line: string): never {
  console.error(`idp: ${line}`);
  process.exit(1);
}

function portOf(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    fail(`IDP_PORT: "${value}" is not a port number (1-65535, or 0 for any free port)`);
  }
  return port;
}

function baseUrlOf(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    fail(`TESSERA_BASE_URL: "${value}" is not an http(s) URL (e.g. http://127.0.0.1:8000)`);
  }
  return value.replace(/\/+$/, "");
}

function nameOf(value: string): string {
  // The demo's rule (examples/env.ts), so the redirect URIs registered here are the demo's.
  if (!/^[a-z0-9][a-z0-9_-]{0,49}$/.test(value)) {
    fail(
      `TESSERA_OIDC_NAME: "${value}" must be 1-50 lower-case letters, digits, "-" or "_" (it is a URL segment)`,
    );
  }
  return value;
}

/** A value as one shell word. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

const port = portOf(env.IDP_PORT ?? "9400");
const host = env.IDP_HOST ?? "127.0.0.1";
const baseUrl = baseUrlOf(env.TESSERA_BASE_URL ?? "http://127.0.0.1:8000");
const name = nameOf(env.TESSERA_OIDC_NAME ?? "oidc");
const clientId = env.TESSERA_OIDC_CLIENT_ID ?? "tessera-demo";
const clientSecret = env.TESSERA_OIDC_CLIENT_SECRET ?? DEV_CLIENT_SECRET;
const redirectUris = [
  `${baseUrl}/auth/${name}/callback`,
  `${baseUrl}/auth/associate/${name}/callback`,
  `${baseUrl}/auth/cookie/${name}/callback`,
];

const idp = await startIdp({
  port,
  host,
  clients: [{ clientId, clientSecret, redirectUris, name: "the tessera demo" }],
}).catch((error: { code?: string }) => {
  if (error.code === "EADDRINUSE") {
    fail(
      `IDP_PORT: ${port} is in use on ${host} (EADDRINUSE); stop the other server or set IDP_PORT to a free port`,
    );
  }
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") {
    fail(
      `IDP_HOST: cannot listen on "${host}" (${error.code}); use an address of this machine, e.g. 127.0.0.1`,
    );
  }
  if (error.code === "EACCES")
    fail(`IDP_PORT: ${port} needs privileges (EACCES); use a port above 1023`);
  throw error;
});

const demoEnv = [
  `TESSERA_OIDC_ISSUER=${shellWord(idp.issuer)}`,
  ...(name === "oidc" ? [] : [`TESSERA_OIDC_NAME=${shellWord(name)}`]),
  `TESSERA_OIDC_CLIENT_ID=${shellWord(clientId)}`,
  `TESSERA_OIDC_CLIENT_SECRET=${shellWord(clientSecret)}`,
];
const width = Math.max(...idp.users.map((user) => (user.username ?? user.email ?? "").length));
console.log(`tessera OpenID provider (local, for testing) on ${idp.issuer}
  discovery: ${idp.issuer}/.well-known/openid-configuration
  client: ${clientId}, secret: ${clientSecret}${env.TESSERA_OIDC_CLIENT_SECRET === undefined ? " (the fixed development secret: set TESSERA_OIDC_CLIENT_SECRET for another)" : ""}
  redirect URIs: ${redirectUris.join(", ")}

Start the demo against it (in another terminal):
  ${demoEnv.join(" ")} npm start

Users (sign in with the email and password):
${idp.users
  .map((user) => {
    const login = (user.username ?? user.email ?? "").padEnd(width);
    const verified =
      user.email === undefined
        ? "no email"
        : user.emailVerified
          ? "email verified"
          : "email NOT verified";
    return `  ${login}  ${user.password.padEnd(16)}  ${verified}`;
  })
  .join("\n")}

To sign in as someone else, sign out of the provider first: ${idp.issuer}/session/end
Ctrl-C stops it (its sessions and codes are in memory).`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    idp.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`stopping: ${error}`),
    );
  });
}
