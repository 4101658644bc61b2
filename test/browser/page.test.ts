import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, TestServer } from "../http/harness.js";
import { browserUnavailable, launchChromium } from "./chromium.js";

const EMAIL = "ada@example.com";

describe.skipIf(browserUnavailable())("the demo page in headless Chromium (cookie backend)", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function freshPage() {
    server = await TestServer.start({ framework: "demo" });
    await context.clearCookies();
    page = await context.newPage();
    await page.goto(`${server.url}/`);
  }

  async function closePage() {
    await page.close();
    await server.close();
  }

  const message = () => page.locator("#message");

  async function signIn(password = PASSWORD) {
    await page.fill("#sign-in input[name=username]", EMAIL);
    await page.fill("#sign-in input[name=password]", password);
    await page.click("#sign-in button[type=submit]");
  }

  /** `GET /users/me` from inside the page, with the browser's own cookies. */
  const meStatus = () => page.evaluate(async () => (await fetch("/users/me")).status);

  it("signs up, signs in, sees the profile, signs out, and is refused after", async () => {
    await freshPage();
    try {
      await expect.poll(() => page.isVisible("#sign-up")).toBe(true);
      expect(await page.isVisible("#profile")).toBe(false);

      await page.fill("#sign-up input[name=email]", EMAIL);
      await page.fill("#sign-up input[name=password]", PASSWORD);
      await page.click("#sign-up button[type=submit]");
      await expect.poll(() => message().textContent()).toContain("Account created");

      // Every refusal in words a person reads, never a raw error code.
      await page.fill("#sign-up input[name=email]", EMAIL);
      await page.fill("#sign-up input[name=password]", PASSWORD);
      await page.click("#sign-up button[type=submit]");
      await expect
        .poll(() => message().textContent())
        .toBe("An account with this email already exists. Sign in instead?");
      await page.fill("#sign-up input[name=email]", "grace@example.com");
      await page.fill("#sign-up input[name=password]", "short");
      await page.click("#sign-up button[type=submit]");
      await expect
        .poll(() => message().textContent())
        .toMatch(/^This password cannot be used\. .+\.$/);
      expect(await message().getAttribute("class")).toBe("error");

      await signIn("wrong password");
      await expect.poll(() => message().textContent()).toBe("Wrong email or password.");
      expect(await page.isVisible("#profile")).toBe(false);

      await signIn();
      await expect.poll(() => page.isVisible("#profile")).toBe(true);
      expect(await page.textContent("#profile-email")).toBe(EMAIL);
      expect(await page.textContent("#profile-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(await page.textContent("#profile-verified")).toBe("no");

      // Chromium kept the Secure, HttpOnly cookie on http://127.0.0.1 (a trustworthy origin).
      const [cookie] = await context.cookies(server.url);
      expect(cookie).toMatchObject({
        name: "fastapiusersauth",
        httpOnly: true,
        secure: true,
        sameSite: "Lax",
      });
      const token = cookie?.value as string;
      expect(await page.evaluate("document.cookie")).toBe("");

      await page.reload();
      await expect.poll(() => page.isVisible("#profile")).toBe(true);
      expect(await meStatus()).toBe(200);

      await page.click("#sign-out");
      await expect.poll(() => message().textContent()).toContain("Signed out");
      expect(await page.isVisible("#profile")).toBe(false);
      expect(await page.isVisible("#sign-in")).toBe(true);
      expect(await context.cookies(server.url)).toEqual([]);
      expect(await meStatus()).toBe(401);
      // The old token is revoked on the server, not only forgotten by the browser.
      const replay = await server.me({ cookie: `fastapiusersauth=${token}` });
      expect(replay.status).toBe(401);
    } finally {
      await closePage();
    }
  });

  it("resets a forgotten password through the emailed link", async () => {
    await freshPage();
    try {
      await server.register(EMAIL);
      await page.fill("#forgot input[name=email]", EMAIL);
      await page.click("#forgot button[type=submit]");
      await expect.poll(() => message().textContent()).toContain("reset link is on its way");
      const link = server.mailer.sent[0]?.text.match(/http:\S+/)?.[0] ?? "";
      expect(link).toContain("/?reset_token=");

      await page.goto(link.replace("http://127.0.0.1:8000", server.url));
      await expect.poll(() => page.isVisible("#reset")).toBe(true);
      await page.fill("#reset-form input[name=password]", "a brand new password");
      await page.click("#reset-form button[type=submit]");
      await expect.poll(() => message().textContent()).toContain("Password changed");
      expect(page.url()).toBe(`${server.url}/`);

      await signIn("a brand new password");
      await expect.poll(() => page.isVisible("#profile")).toBe(true);

      // The link was spent: a second use is refused in words.
      await page.click("#sign-out");
      await expect.poll(() => message().textContent()).toContain("Signed out");
      await page.goto(link.replace("http://127.0.0.1:8000", server.url));
      await expect.poll(() => page.isVisible("#reset")).toBe(true);
      await page.fill("#reset-form input[name=password]", "yet another password");
      await page.click("#reset-form button[type=submit]");
      await expect
        .poll(() => message().textContent())
        .toBe("This reset link is invalid or has expired. Ask for a new one.");
    } finally {
      await closePage();
    }
  });
});
