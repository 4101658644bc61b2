import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { DemoProcess } from "../support/demo-process.js";

/** The start failed with exit code 1 and one stderr line, naming `variable`, with no stack. */
function expectOneLine(result: { code: number | null; stderr: string }, variable: string): string {
  expect(result.code).toBe(1);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^ {4}at /m);
  expect(lines[0]).toContain(variable);
  return lines[0] as string;
}

describe("the demo's startup errors: one line on stderr naming the variable, exit code 1, no stack", () => {
  it("PORT=abc", async () => {
    const line = expectOneLine(await DemoProcess.failToStart({ PORT: "abc" }), "PORT");
    expect(line).toBe(
      'tessera: PORT: "abc" is not a port number (1-65535, or 0 for any free port)',
    );
  });

  it("TESSERA_TOKEN_LIFETIME=1h", async () => {
    const result = await DemoProcess.failToStart({ TESSERA_TOKEN_LIFETIME: "1h" });
    expect(expectOneLine(result, "TESSERA_TOKEN_LIFETIME")).toContain(
      '"1h" is not a number of seconds',
    );
  });

  it("a DATABASE_URL where nothing listens, its password masked", async () => {
    const result = await DemoProcess.failToStart({
      DATABASE_URL: "postgres://postgres:hunter2@127.0.0.1:1/test",
    });
    expect(expectOneLine(result, "DATABASE_URL")).toBe(
      "tessera: DATABASE_URL: cannot connect to postgres://postgres:***@127.0.0.1:1/test (ECONNREFUSED); is the server running?",
    );
    expect(result.stderr).not.toContain("hunter2");
  });

  it("a JWT secret too short (TESSERA_STRATEGY=jwt, TESSERA_SECRET)", async () => {
    const result = await DemoProcess.failToStart({
      TESSERA_STRATEGY: "jwt",
      TESSERA_SECRET: "too-short",
    });
    expect(expectOneLine(result, "TESSERA_SECRET")).toBe(
      "tessera: TESSERA_SECRET: must be at least 32 bytes (got 9); generate one with: openssl rand -base64 32",
    );
  });

  it("an example server (Fastify) on a PORT in use", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const { port } = taken.address() as { port: number };
    try {
      const result = await DemoProcess.failToStart(
        { PORT: String(port) },
        { script: "examples/fastify/server.ts" },
      );
      expect(expectOneLine(result, "PORT")).toContain(`PORT: ${port} is in use`);
    } finally {
      taken.close();
    }
  });
});
