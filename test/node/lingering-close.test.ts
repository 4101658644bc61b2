import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { closeAfterResponse, type LingeringCloseOptions } from "tessera-auth/node";
import { afterEach, describe, expect, it } from "vitest";
import { exchange } from "../support/raw-http.js";

const KiB = 1024;

/**
 * A bare `node:http` server (no framework) that refuses every upload with a 413
 * without reading it, as a body-limit middleware of Express or Fastify would.
 */
async function refusingServer(linger?: LingeringCloseOptions) {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    closeAfterResponse(response, linger);
    const body = '{"detail":"Request Entity Too Large"}';
    response.writeHead(413, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, port, requests: () => requests };
}

let running: Server | undefined;
afterEach(async () => {
  running?.closeAllConnections();
  running?.close();
  running = undefined;
});

describe("closeAfterResponse on a bare node:http server", () => {
  it("an upload still being sent reads the whole 413 with Connection: close, 60 rounds, no reset", async () => {
    const { server, url, requests } = await refusingServer();
    running = server;
    const sizes = [65 * KiB, 1024 * KiB, 4096 * KiB];
    for (let round = 0; round < 60; round++) {
      const size = sizes[round % sizes.length] as number;
      const { response, closed } = exchange(url, {
        method: "POST",
        path: "/upload",
        body: Buffer.alloc(size, "x"),
        chunked: round % 2 === 1,
      });
      const { status, headers, body } = await response;
      expect({ round, status, connection: headers.connection, body }).toEqual({
        round,
        status: 413,
        connection: "close",
        body: '{"detail":"Request Entity Too Large"}',
      });
      await closed;
    }
    expect(requests()).toBe(60);
  });

  it("a request pipelined after the refused body is never processed", async () => {
    const { server, url, requests } = await refusingServer();
    running = server;
    const { received, closed } = exchange(url, {
      method: "POST",
      path: "/upload",
      body: Buffer.alloc(200 * KiB, "x"),
      pipelined: "GET /second HTTP/1.1\r\nhost: x\r\n\r\n",
      readToClose: true,
    });
    await closed;
    expect((await received).match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    expect(requests()).toBe(1);
  });

  it("a peer that never closes is cut off after timeoutMs", async () => {
    const { server, port } = await refusingServer({ timeoutMs: 200 });
    running = server;
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const peer = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    peer.write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n");
    peer.write(Buffer.alloc(100 * KiB, "x"));
    let answer = "";
    peer.on("data", (chunk: Buffer) => {
      answer += chunk;
    });
    const [socket] = await accepted;
    await once(peer, "end");
    const halfClosedAt = performance.now();
    await once(socket, "close");
    expect(performance.now() - halfClosedAt).toBeGreaterThanOrEqual(150);
    expect(answer).toMatch(/^HTTP\/1\.1 413 [\s\S]*\r\nConnection: close\r\n/);
    peer.destroy();
  });

  it("a peer sending more than maxBytes after the response is cut off", async () => {
    const { server, port } = await refusingServer({ maxBytes: 256 * KiB, timeoutMs: 10_000 });
    running = server;
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const peer = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    peer.on("error", () => {}); // past maxBytes the server may reset: that is the bound
    peer.write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100000000\r\n\r\n");
    const chunk = Buffer.alloc(64 * KiB, "x");
    const pump = () => {
      while (!peer.destroyed && peer.write(chunk)) {}
    };
    peer.on("drain", pump);
    pump();
    const [socket] = await accepted;
    const started = performance.now();
    await once(socket, "close");
    expect(performance.now() - started).toBeLessThan(5_000);
    peer.destroy();
  });
});
