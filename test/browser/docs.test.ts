import { mkdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestServer } from "../http/harness.js";
import { browserUnavailable, launchChromium } from "./chromium.js";

/** Gitignored: the screenshot stays for a person to look at. */
const SCREENSHOTS = resolve(import.meta.dirname, "../../.tessera-test/screenshots");

describe.skipIf(browserUnavailable())("/docs in headless Chromium", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let server: TestServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await TestServer.start({ framework: "demo" });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("renders every route of the OpenAPI document, from local files only", async () => {
    const document = (await (await server.fetch("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(document.paths)
      .flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const page = await browser.context.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector(".opblock-summary-path", { timeout: 15_000 });
    await expect.poll(() => page.locator(".opblock").count()).toBe(expected.length);

    const rendered = await page.$$eval(".opblock", (blocks) =>
      blocks.map((block) => {
        const method = block.querySelector(".opblock-summary-method")?.textContent ?? "";
        const path = block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "";
        return `${method.trim()} ${path}`;
      }),
    );
    expect(rendered.sort()).toEqual(expected);
    expect(await page.textContent(".info .title")).toContain("tessera demo");
    expect(requested.filter((url) => !url.startsWith(server.url))).toEqual([]);

    await mkdir(SCREENSHOTS, { recursive: true });
    const file = resolve(SCREENSHOTS, "docs.png");
    await page.screenshot({ path: file, fullPage: true });
    const png = await readFile(file);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);
    await page.close();
  });
});
