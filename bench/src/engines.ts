import { connect as tcpConnect } from "node:net";
import { sql } from "kysely";
import { connect, kyselyAdapter } from "./tessera.js";

/** Only databases whose name starts with this are ever created by the bench. */
export const DATABASE_PREFIX = "tessera_bench";

/**
 * Whether the bench can run tessera on the database at `url`: `null` if it can
 * (the database is created if missing), else the reason it is skipped: no
 * server listening, or an adapter that does not support the engine yet.
 */
export async function unusableReason(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  if (!(await reachable(hostname, Number(port))))
    return `no server reachable at ${hostname}:${port}`;
  let error = await tryOpen(url);
  if (error && /unsupported|not supported/i.test(error.message)) {
    return `tessera's Kysely adapter cannot use it yet: ${error.message}`;
  }
  if (error) {
    try {
      await createDatabase(url);
    } catch (cause) {
      return `could not create the database: ${(cause as Error).message}`;
    }
    error = await tryOpen(url);
  }
  return error ? `cannot use ${url}: ${error.message}` : null;
}

/** Opens the database through tessera and runs one query; the error, if any. */
async function tryOpen(url: string): Promise<Error | null> {
  try {
    const connection = await connect(url);
    try {
      kyselyAdapter(connection.db);
      await sql`SELECT 1`.execute(connection.db);
    } finally {
      await connection.close();
    }
    return null;
  } catch (error) {
    return error as Error;
  }
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: 2000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Creates the bench's database with the engine's driver (the one tessera loads for this URL). */
async function createDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  if (!name.startsWith(DATABASE_PREFIX) || !/^\w+$/.test(name)) {
    throw new Error(`the bench only creates databases named ${DATABASE_PREFIX}*, not "${name}"`);
  }
  if (parsed.protocol.startsWith("postgres")) {
    const { default: pg } = await importDriver("pg");
    const admin = new URL(url);
    admin.pathname = "/postgres";
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
  } else if (parsed.protocol === "mysql:") {
    const mysql = await importDriver("mysql2/promise");
    const connection = await mysql.createConnection({
      host: parsed.hostname,
      port: Number(parsed.port || 3306),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
    });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
    } finally {
      await connection.end();
    }
  } else {
    throw new Error(`no way to create a database for ${parsed.protocol}`);
  }
}

/** The driver tessera would load, imported by a name TypeScript does not resolve (it is optional here). */
async function importDriver(name: string): Promise<any> {
  try {
    return await import(name);
  } catch {
    throw new Error(`the driver "${name}" is not installed`);
  }
}

/** Whether a Redis server answers PING at `url`: `null` if it does, else why the scenario is skipped. */
export async function redisUnusable(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect(Number(port || 6379), hostname);
    const fail = (why: string) => {
      socket.destroy();
      resolve(`no Redis answering at ${hostname}:${port || 6379} (${why})`);
    };
    socket.setTimeout(2000, () => fail("timeout"));
    socket.once("error", (error) => fail(error.message));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(
        data.toString().startsWith("+PONG") ? null : `unexpected answer ${data.toString().trim()}`,
      );
    });
  });
}
