#!/usr/bin/env node
import { parseArgs } from "node:util";
import { loadCliConfig } from "./cli-config.js";
import { CliError } from "./cli-error.js";
import { createSuperuser } from "./commands/create-superuser.js";
import { migrate } from "./commands/migrate.js";
import { purgeTokens } from "./commands/purge-tokens.js";

const HELP = `Usage: tessera-auth <command> [options]

Commands:
  migrate
      Create tessera's tables, or bring them to the latest version. A database
      made by FastAPI Users (tables user and accesstoken) is adopted in place:
      users keep their passwords, unexpired tokens keep working, and tokens
      are stored hashed from then on.
      On MongoDB: create the indexes tessera's queries need (those missing).
  create-superuser --email <email> [--password <password>]
      Create an active, verified superuser. The password comes from
      TESSERA_SUPERUSER_PASSWORD when it is set, else from a prompt that does
      not echo it (on a terminal), else from the first line of standard input.
      --password works too, but any user of the machine can read it in the
      process list (ps) and it stays in shell history: scripts should set
      the variable instead.
  tokens purge [--lifetime <seconds>] [--idle-timeout <seconds>]
               [--refresh-lifetime <seconds>]
      Delete, in batches, access tokens older than their lifetime
      (default: TESSERA_TOKEN_LIFETIME, else the configuration's
      lifetimeSeconds, else 3600) or unused for longer than the idle timeout
      (default: TESSERA_IDLE_TIMEOUT, else idleTimeoutSeconds, else none),
      and refresh tokens older than theirs (default: the configuration's
      refreshLifetimeSeconds, else 30 days).

Options:
  --config <file>
                The app's tessera configuration (default: tessera.config.json,
                .mjs or .js in the working directory, if there is one): the
                same userTable, accessTokenTable, idType, migrationTable and
                lifetimeSeconds the app uses, and databaseUrl. Every command
                uses it; migrate refuses a database whose tables were made
                with another id type or other names, and changes nothing.
  -h, --help    Show this help (also: <command> --help).

Environment:
  DATABASE_URL  The database (default: the configuration's databaseUrl, else
                sqlite:tessera.db): sqlite:<path>,
                postgres://user:password@host:5432/db, mysql://user:password@host:3306/db
                or mongodb://host:27017/db (the MongoDB adapter; idType "objectid",
                its default, or "uuid", and the collections named as the tables).
                Every command migrates the tables (creates the indexes) first.
  TESSERA_SUPERUSER_PASSWORD
                The password create-superuser gives the new superuser.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: "string" },
      password: { type: "string" },
      lifetime: { type: "string" },
      "idle-timeout": { type: "string" },
      "refresh-lifetime": { type: "string" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals.join(" ");
  if (values.help || command === "" || command === "help") {
    process.stdout.write(HELP);
    return values.help || command === "help" ? 0 : 2;
  }
  const { config } = await loadCliConfig(values.config, process.cwd());
  const {
    databaseUrl: configuredUrl,
    lifetimeSeconds,
    idleTimeoutSeconds,
    refreshLifetimeSeconds,
    ...schema
  } = config;
  const databaseUrl = process.env.DATABASE_URL || configuredUrl || "sqlite:tessera.db";
  switch (command) {
    case "migrate":
      await migrate({ databaseUrl, schema });
      return 0;
    case "create-superuser":
      await createSuperuser({
        databaseUrl,
        schema,
        email: values.email,
        password: values.password ?? (process.env.TESSERA_SUPERUSER_PASSWORD || undefined),
      });
      return 0;
    case "tokens purge":
      await purgeTokens({
        databaseUrl,
        schema,
        lifetime:
          values.lifetime ?? process.env.TESSERA_TOKEN_LIFETIME ?? String(lifetimeSeconds ?? 3600),
        idleTimeout:
          values["idle-timeout"] ??
          (process.env.TESSERA_IDLE_TIMEOUT || undefined) ??
          (idleTimeoutSeconds === undefined ? undefined : String(idleTimeoutSeconds)),
        refreshLifetime:
          values["refresh-lifetime"] ??
          (refreshLifetimeSeconds === undefined ? undefined : String(refreshLifetimeSeconds)),
      });
      return 0;
    default:
      throw new CliError(`unknown command "${command}"; see tessera-auth --help`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`tessera: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (
      error instanceof TypeError &&
      "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS")
    ) {
      process.stderr.write(`tessera: ${error.message}; see tessera-auth --help\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
