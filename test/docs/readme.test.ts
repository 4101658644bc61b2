import { readdirSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
/** The README and the guides under docs/: their examples are checked alike. */
const documentation = [
  readme,
  ...readdirSync(resolve(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => readFileSync(resolve(ROOT, "docs", name), "utf8")),
].join("\n");

/** The fenced block that follows a `<!-- file: path -->` marker in the README or docs/. */
function blockFor(path: string): string {
  const marker = `<!-- file: ${path} -->`;
  const start = documentation.indexOf(marker);
  if (start === -1) throw new Error(`README and docs/ have no ${marker}`);
  const match = /```ts\n([\s\S]*?)```/.exec(documentation.slice(start));
  return match?.[1] ?? "";
}

describe("README", () => {
  afterAll(() => {
    for (const suffix of ["", "-wal", "-shm"])
      rmSync(resolve(ROOT, `app.db${suffix}`), { force: true });
  });

  it("stays short: about 300 lines, the rest in docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(330);
  });

  it("opens with exactly the two commands: run the demo, run the tests", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const commands = firstBlock.split("\n").filter((line) => line.trim() && !line.startsWith("#"));
    expect(commands.map((line) => line.replace(/\s+#.*$/, "").trim())).toEqual([
      "npm ci && npm start",
      "npm ci && npm test",
    ]);
    expect(readme.indexOf(firstBlock)).toBeLessThan(1200);
  });

  it("shows each framework's app exactly as its example file (the HTTP suite runs them)", () => {
    for (const framework of ["hono", "express", "fastify"]) {
      const path = `examples/${framework}/app.ts`;
      expect(blockFor(path)).toBe(readFileSync(resolve(ROOT, path), "utf8"));
    }
  });

  it("shows the quick start exactly as examples/quickstart.ts, which works", async () => {
    const source = readFileSync(resolve(ROOT, "examples/quickstart.ts"), "utf8");
    expect(blockFor("examples/quickstart.ts")).toBe(source);

    const { app } = await import("../../examples/quickstart.js");
    const register = await app.request("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `king-${Date.now()}@example.com`, password: "correct horse" }),
    });
    expect(register.status).toBe(201);
    const { email } = (await register.json()) as { email: string };
    const login = await app.request("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: email, password: "correct horse" }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const hello = await app.request("/authenticated-route", {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(await hello.json()).toEqual({ message: `Hello ${email}!` });
    expect((await app.request("/authenticated-route")).status).toBe(401);
  });

  it("shows the account lifecycle exactly as examples/account-lifecycle.ts, which works", async () => {
    const source = readFileSync(resolve(ROOT, "examples/account-lifecycle.ts"), "utf8");
    expect(blockFor("examples/account-lifecycle.ts")).toBe(source);

    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((text) => void printed.push(text));
    try {
      const { app } = await import("../../examples/account-lifecycle.js");
      const json = (body: unknown) => ({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const email = "grace@example.com";
      expect(
        (await app.request("/auth/register", json({ email, password: "compiler" }))).status,
      ).toBe(201);
      expect((await app.request("/auth/forgot-password", json({ email }))).status).toBe(202);
      const token = /reset-password\?token=(\S+)/.exec(printed.join("\n"))?.[1] ?? "";
      const reset = await app.request(
        "/auth/reset-password",
        json({ token: decodeURIComponent(token), password: "nanoseconds" }),
      );
      expect(reset.status).toBe(200);
      const login = await app.request("/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: email, password: "nanoseconds" }),
      });
      expect(login.status).toBe(200);
      const document = (await (await app.request("/openapi.json")).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(document.paths)).toContain("/auth/reset-password");
      expect((await app.request("/docs")).status).toBe(200);
    } finally {
      log.mockRestore();
    }
  });
});
