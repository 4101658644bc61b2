import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { freePort } from "./redis-server-process.js";

/** Where `.ci/setup-databases` builds FerretDB (`TESSERA_FERRETDB_BIN` names another). */
export const FERRETDB_BIN =
  process.env.TESSERA_FERRETDB_BIN ??
  join(process.env.TMPDIR ?? tmpdir(), "tessera-ferretdb", "ferretdb");

/**
 * Why a FerretDB of a test's own cannot run here, or `null` when it can. With
 * CI=true a missing binary fails the run instead (`.ci/setup-databases` builds it).
 */
export function ferretdbMissing(): string | null {
  if (existsSync(FERRETDB_BIN)) return null;
  const reason = `no FerretDB binary at ${FERRETDB_BIN}`;
  if (process.env.CI === "true") {
    throw new Error(`${reason}; with CI=true it must exist (bash .ci/setup-databases builds it)`);
  }
  return `${reason} (sudo bash .ci/setup-databases builds it)`;
}

/** A FerretDB of the test's own, over the PostgreSQL database `ferretdb`, that it may kill and start again. */
export class FerretdbProcess {
  #child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<FerretdbProcess> {
    const server = new FerretdbProcess(await freePort());
    await server.start();
    return server;
  }

  url(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      FERRETDB_BIN,
      [
        "-listen",
        `127.0.0.1:${this.port}`,
        "-postgresql-url",
        process.env.TESSERA_FERRETDB_POSTGRESQL_URL ??
          "postgres://postgres@127.0.0.1:5432/ferretdb",
      ],
      { stdio: "ignore" },
    );
    this.#child = child;
    for (let tries = 0; ; tries++) {
      if ((await this.#listening()) && (await this.#answers())) return;
      if (tries > 200 || child.exitCode !== null) throw new Error("FerretDB did not start");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A ping gets its answer (listening is not enough: FerretDB then connects to PostgreSQL). */
  async #answers(): Promise<boolean> {
    const probe = new MongoClient(`mongodb://127.0.0.1:${this.port}`, {
      serverSelectionTimeoutMS: 500,
    });
    try {
      await probe.db("admin").command({ ping: 1 });
      return true;
    } catch {
      return false;
    } finally {
      await probe.close();
    }
  }

  /** Kills the server at once (SIGKILL): connections drop, as when a host dies. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGKILL");
    await once(child, "exit");
  }

  #listening(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connectTcp(this.port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  }
}
