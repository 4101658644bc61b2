import { spawn } from "node:child_process";
import { once } from "node:events";
import { Agent, createServer, type RequestListener, request, type Server } from "node:http";
import {
  createServer as createHttpsServer,
  Agent as HttpsAgent,
  request as httpsRequest,
} from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import { resolve } from "node:path";
import { gracefulShutdown } from "tessera-auth/node";
import { afterEach, describe, expect, it, vi } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** A self-signed certificate for 127.0.0.1, for tests only. */
const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgX9w24bszoqE1KWtV
aCBx/7Lc1FXOaS/pdf0KCUqVUFChRANCAAQniwRSD9Krs1wZgOTdxC906yiFAsCG
IzzhrY6JjN4GoukVfNl4RhgjxccND5nLQJM6zR0JBX69WQFqxIPjsTwL
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIUXgUF29lag71BqRw53C2YDzicpx4wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNDIyMDk0M1oYDzIxMjYxMTEw
MjIwOTQzWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQniwRSD9Krs1wZgOTdxC906yiFAsCGIzzhrY6JjN4GoukVfNl4Rhgj
xccND5nLQJM6zR0JBX69WQFqxIPjsTwLo2QwYjAdBgNVHQ4EFgQUquDVcyhasfng
uINRKXQ/EyIiGpUwHwYDVR0jBBgwFoAUquDVcyhasfnguINRKXQ/EyIiGpUwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC
IDjc9zA1fpHGP1TtnUslmRMBmBUTwl6cEZEPumBAsTsvAiBXDFcUAvXti0eC7nqB
gjw7H1oobYljyvmRAbRvqGPgpw==
-----END CERTIFICATE-----
`,
};

/** A promise with its resolver outside. */
function deferred<T = void>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A bare `node:http` server: `/held` answers once the test releases it, `/hang`
 * never answers, anything else at once.
 */
async function startServer(
  create: (listener: RequestListener) => Server = (listener) => createServer(listener),
) {
  const arrived = deferred();
  const release = deferred();
  const server = create((incoming, response) => {
    if (incoming.url === "/hang") return;
    const answer = () => {
      response.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
      response.end("ok");
    };
    if (incoming.url === "/held") {
      arrived.resolve();
      void release.promise.then(answer);
    } else {
      answer();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, port, arrived: arrived.promise, release: release.resolve };
}

function get(agent: Agent, port: number, path: string) {
  return new Promise<{ status: number; connection: string | undefined; body: string }>(
    (resolve, reject) => {
      const outgoing = request({ host: "127.0.0.1", port, path, agent }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            connection: response.headers.connection,
            body,
          }),
        );
      });
      outgoing.on("error", reject);
      outgoing.end();
    },
  );
}

/** Resolves with the error code of a TCP connection attempt (null if it connects). */
function connectCode(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(null);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "unknown"));
  });
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe("gracefulShutdown", () => {
  it("stops accepting, closes idle connections at once, finishes requests in flight with Connection: close, then runs onShutdown", async () => {
    const started = await startServer();
    server = started.server;
    const events: string[] = [];
    const shutdown = gracefulShutdown(started.server, {
      signals: [],
      onShutdown: () => {
        events.push(`onShutdown (listening: ${started.server.listening})`);
      },
    });
    const agent = new Agent({ keepAlive: true });
    const idleAgent = new Agent({ keepAlive: true });
    try {
      const idle = await new Promise<Socket>((resolve, reject) => {
        const options = { host: "127.0.0.1", port: started.port, agent: idleAgent };
        const outgoing = request(options, (response) => {
          const socket = response.socket;
          response.resume();
          response.on("end", () => resolve(socket));
        });
        outgoing.on("error", reject);
        outgoing.end();
      });
      const idleClosed = once(idle, "close").then(() => events.push("idle connection closed"));
      const held = get(agent, started.port, "/held");
      await started.arrived;

      const done = shutdown().then(() => events.push("shutdown resolved"));
      await idleClosed;
      expect(await connectCode(started.port)).toBe("ECONNREFUSED");
      expect(shutdown()).toBe(shutdown());

      events.push("held request released");
      started.release();
      expect(await held).toEqual({ status: 200, connection: "close", body: "ok" });
      await done;
      expect(events).toEqual([
        "idle connection closed",
        "held request released",
        "onShutdown (listening: false)",
        "shutdown resolved",
      ]);
    } finally {
      agent.destroy();
      idleAgent.destroy();
    }
  });

  it("on a pipelined connection, every response in flight goes out before the connection closes", async () => {
    const started = await startServer();
    server = started.server;
    // Past the test's timeout: the connection must close after its last response, not at graceMs.
    const shutdown = gracefulShutdown(started.server, { signals: [], graceMs: 60_000 });
    const socket = connect(started.port, "127.0.0.1");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    const closed = once(socket, "close");
    socket.write("GET /held HTTP/1.1\r\nHost: x\r\n\r\nGET /now HTTP/1.1\r\nHost: x\r\n\r\n");
    await started.arrived;
    const done = shutdown();
    started.release();
    await closed;
    await done;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses.map((response) => response.split("\r\n")[0])).toEqual([
      "HTTP/1.1 200 OK",
      "HTTP/1.1 200 OK",
    ]);
    expect(responses.every((response) => response.endsWith("\r\n\r\nok"))).toBe(true);
  });

  it("HTTPS: a request in flight finishes with Connection: close, then its connection closes", async () => {
    // An https.Server has the methods gracefulShutdown uses (close, closeAllConnections…).
    const started = await startServer(
      (listener) => createHttpsServer(TEST_TLS, listener) as unknown as Server,
    );
    server = started.server;
    // Past the test's timeout: the connection must close after its response, not at graceMs.
    const shutdown = gracefulShutdown(started.server, { signals: [], graceMs: 60_000 });
    const agent = new HttpsAgent({ keepAlive: true, rejectUnauthorized: false });
    try {
      const held = new Promise<{
        connection: string | undefined;
        body: string;
        closed: Promise<unknown>;
      }>((resolve, reject) => {
        const outgoing = httpsRequest(
          { host: "127.0.0.1", port: started.port, path: "/held", agent },
          (response) => {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
              body += chunk;
            });
            const closed = once(response.socket, "close");
            response.on("end", () =>
              resolve({ connection: response.headers.connection, body, closed }),
            );
          },
        );
        outgoing.on("error", reject);
        outgoing.end();
      });
      await started.arrived;
      const done = shutdown();
      // Released once the server stopped listening: the shutdown has marked what is in flight.
      await vi.waitFor(() => expect(started.server.listening).toBe(false));
      started.release();
      const answer = await held;
      expect([answer.connection, answer.body]).toEqual(["close", "ok"]);
      await answer.closed;
      await done;
    } finally {
      agent.destroy();
    }
  });

  it("destroys what is still open after graceMs, then runs onShutdown", async () => {
    const started = await startServer();
    server = started.server;
    let hookRan = false;
    const shutdown = gracefulShutdown(started.server, {
      signals: [],
      graceMs: 300,
      onShutdown: () => {
        hookRan = true;
      },
    });
    const agent = new Agent({ keepAlive: true });
    try {
      const hanging = get(agent, started.port, "/hang");
      const settled = hanging.then(
        () => "answered",
        (error: NodeJS.ErrnoException) => error.code,
      );
      await once(started.server, "request");
      const begun = performance.now();
      await shutdown();
      const took = performance.now() - begun;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(2_000);
      expect(hookRan).toBe(true);
      expect(await settled).toBe("ECONNRESET");
    } finally {
      agent.destroy();
    }
  });

  it("signals: a repeat of the first within a second is ignored, another one exits at once with 128 + its number", async () => {
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", "test/support/hanging-server.ts"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    const waiters: (() => void)[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
      for (const waiter of waiters.splice(0)) waiter();
    });
    const printed = (pattern: RegExp, times = 1): Promise<void> =>
      (output.match(pattern)?.length ?? 0) >= times
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)).then(() => printed(pattern, times));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await printed(/listening on \S+/);
      const url = /listening on (\S+)/.exec(output)?.[1] as string;
      const hanging = fetch(url).then(
        () => "answered",
        () => "cut off",
      );
      await printed(/^request$/gm);

      child.kill("SIGTERM");
      await printed(/^signal SIGTERM$/gm);
      child.kill("SIGTERM"); // as npm forwarding a Ctrl-C the server also got
      await printed(/^signal SIGTERM$/gm, 2);
      expect(child.exitCode).toBeNull();
      child.kill("SIGINT");
      const [code] = await exited;
      expect(code).toBe(130);
      expect(await hanging).toBe("cut off");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
