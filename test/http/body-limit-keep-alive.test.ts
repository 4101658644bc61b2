import { Agent, request } from "node:http";
import { describe, expect } from "vitest";
import { exchange } from "../support/raw-http.js";
import { test } from "./harness.js";

const KiB = 1024;
const SIZES = [65 * KiB, 100 * KiB, 256 * KiB, 1024 * KiB, 4096 * KiB];
const TOO_LARGE = { detail: "Request Entity Too Large" };

/** `rounds` (size, framing) pairs cycling through the sizes, each with and without Content-Length. */
function rounds(count: number) {
  return Array.from({ length: count }, (_, round) => ({
    size: SIZES[Math.floor(round / 2) % SIZES.length] as number,
    chunked: round % 2 === 1,
  }));
}

describe("a body over the limit on a keep-alive connection: a 413, never a reset", () => {
  test("a raw client uploading the whole body reads the 413 with Connection: close, 100 rounds", async ({
    server,
  }) => {
    for (const { size, chunked } of rounds(100)) {
      const { response, closed } = exchange(server.url, {
        method: "POST",
        path: "/auth/register",
        headers: { "content-type": "application/json", connection: "keep-alive" },
        body: Buffer.alloc(size, "x"),
        chunked,
      });
      const { status, headers, body } = await response;
      expect({ size, chunked, status, connection: headers.connection }).toEqual({
        size,
        chunked,
        status: 413,
        connection: "close",
      });
      expect(headers["content-type"]).toBe("application/json");
      expect(JSON.parse(body)).toEqual(TOO_LARGE);
      await closed;
    }
  });

  test("a request pipelined after the refused body is never answered", async ({ server }) => {
    const { response, received } = exchange(server.url, {
      method: "POST",
      path: "/auth/register",
      headers: { "content-type": "application/json" },
      body: Buffer.alloc(256 * KiB, "x"),
      pipelined: "GET /health HTTP/1.1\r\nhost: x\r\n\r\n",
      readToClose: true,
    });
    const { status, headers } = await response;
    expect({ status, connection: headers.connection }).toEqual({
      status: 413,
      connection: "close",
    });
    expect((await received).match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
  });

  test("a keep-alive agent's next request after each 413 is answered, 100 rounds", async ({
    server,
  }) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const { size, chunked } of rounds(100)) {
        const refused = await send(agent, server.url, "POST", "/auth/register", {
          body: Buffer.alloc(size, "x"),
          chunked,
        });
        expect({ size, chunked, status: refused.status }).toEqual({ size, chunked, status: 413 });
        expect(refused.connection).toBe("close");
        expect(JSON.parse(refused.body)).toEqual(TOO_LARGE);
        const next = await send(agent, server.url, "GET", "/health");
        expect({ status: next.status, body: next.body }).toEqual({
          status: 200,
          body: '{"ok":true}',
        });
      }
    } finally {
      agent.destroy();
    }
  });
});

/** A request through `agent`; rejects on any error, a reset included. */
function send(
  agent: Agent,
  url: string,
  method: string,
  path: string,
  upload?: { body: Buffer; chunked: boolean },
): Promise<{ status: number; connection: string | undefined; body: string }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (upload && !upload.chunked) headers["content-length"] = String(upload.body.length);
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(path, url), { method, agent, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("error", reject);
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          connection: response.headers.connection,
          body,
        }),
      );
    });
    outgoing.on("error", reject);
    if (upload?.chunked) {
      for (let at = 0; at < upload.body.length; at += 65_536) {
        outgoing.write(upload.body.subarray(at, at + 65_536));
      }
      outgoing.end();
    } else {
      outgoing.end(upload?.body);
    }
  });
}
