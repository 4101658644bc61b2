import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, type ClientRequest, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";

const ROOT = resolve(import.meta.dirname, "../..");
const PASSWORD = "correct horse battery";

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** A request through `agent`; `written` resolves once it is all handed to the kernel. */
function call(agent: Agent, url: string, path: string, form?: Record<string, string>) {
  let outgoing: ClientRequest | undefined;
  const answer = new Promise<Answer>((resolve, reject) => {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    outgoing = request(
      new URL(path, url),
      {
        agent,
        method: form ? "POST" : "GET",
        headers: body
          ? { "content-type": "application/x-www-form-urlencoded", "content-length": body.length }
          : {},
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            connection: response.headers.connection,
            body: text,
          }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
  const written = once(outgoing as unknown as ClientRequest, "finish");
  return { answer, written };
}

/** The error code of a TCP connection attempt, or null if something still listens. */
function connectCode(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on("connect", () => {
      socket.destroy();
      resolve(null);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "unknown"));
  });
}

/** Every process below `pid` (Linux: /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
      .split(" ")
      .filter(Boolean)
      .map(Number),
  );
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
let strays: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-signals-"));
});
afterEach(() => {
  // A failing run may leave an orphaned server behind: end it, and only it.
  for (const pid of strays) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  strays = [];
  rmSync(dir, { recursive: true, force: true });
});

describe("the demo server and signals", () => {
  it("SIGTERM with 50 requests in flight: each gets its normal answer, then exit code 0 and the port closes", async () => {
    const demo = await DemoProcess.start(`sqlite:${join(dir, "app.db")}`);
    strays.push(demo.pid);
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const emails = ["ada@example.com", "grace@example.com"];
      for (const email of emails) {
        const registered = await demo.fetch("/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password: PASSWORD }),
        });
        expect(registered.status).toBe(201);
      }

      // 16 logins, each hashing a password (argon2id): slow. Kept under the
      // demo's login rate limits (10 a minute per account, 20 per address).
      const calls = Array.from({ length: 50 }, (_, index) => {
        const email = index % 3 === 0 && index < 48 ? emails[index % 2] : undefined;
        return email
          ? {
              login: true,
              ...call(agent, demo.url, "/auth/login", { username: email, password: PASSWORD }),
            }
          : { login: false, ...call(agent, demo.url, "/health") };
      });
      await Promise.all(calls.map(({ written }) => written));
      const signalled = performance.now();
      const exited = demo.kill("SIGTERM");
      const answers = await Promise.all(calls.map(({ answer }) => answer));
      const { code, signal } = await exited;
      const shutdownMs = performance.now() - signalled;

      for (const [index, answer] of answers.entries()) {
        if (calls[index]?.login) {
          expect(answer.status).toBe(200);
          expect(JSON.parse(answer.body)).toMatchObject({ token_type: "bearer" });
        } else {
          expect({ status: answer.status, body: answer.body }).toEqual({
            status: 200,
            body: '{"ok":true}',
          });
        }
      }
      // Requests still running when the signal came were told the connection closes.
      expect(answers.filter((answer) => answer.connection === "close").length).toBeGreaterThan(0);
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(shutdownMs).toBeLessThan(10_000);
      expect(isRunning(demo.pid)).toBe(false);
      expect(await connectCode(demo.url)).toBe("ECONNREFUSED");
    } finally {
      agent.destroy();
      await demo.stop();
    }
  });

  it.skipIf(process.platform !== "linux")(
    "npm start: SIGTERM to npm stops the server it started (no orphan), and the banner is unchanged",
    async () => {
      const database = join(dir, "app.db");
      const npm: ChildProcess = spawn("npm", ["start"], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: "0",
          DATABASE_URL: `sqlite:${database}`,
          TESSERA_SECRET: "test-secret-for-npm-start-0123456789",
          npm_config_update_notifier: "false",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const url = await new Promise<string>((done, fail) => {
        const read = (chunk: Buffer) => {
          output += chunk;
          const match = /tessera demo on (http:\/\/\S+)/.exec(output);
          if (match?.[1]) done(match[1]);
        };
        npm.stdout?.on("data", read);
        npm.stderr?.on("data", read);
        npm.on("exit", (code) => fail(new Error(`npm start exited with ${code}: ${output}`)));
      });
      expect(output).toContain(
        `tessera demo on ${url} (database: sqlite:${database}, adapter: kysely (sqlite), strategy: database)\n`,
      );
      const tree = descendants(npm.pid as number);
      strays.push(...tree);
      expect(tree.length).toBeGreaterThan(0);
      expect((await fetch(`${url}/health`)).status).toBe(200);

      const exited = once(npm, "exit");
      const signalled = performance.now();
      npm.kill("SIGTERM");
      const [code] = await exited;
      const tookMs = performance.now() - signalled;

      expect(tree.filter(isRunning)).toEqual([]);
      expect(await connectCode(url)).toBe("ECONNREFUSED");
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(5_000);
    },
  );
});
