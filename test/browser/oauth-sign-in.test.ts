import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Idp, startIdp } from "../../demo/idp.js";
import { TestServer } from "../http/harness.js";
import { browserUnavailable, launchChromium } from "./chromium.js";

const CLIENT = { clientId: "tessera-demo", clientSecret: "tessera-demo-browser-secret-0123456789" };

/** A port nothing listens on now (the demo must know its URL before the provider registers it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(browserUnavailable())(
  "the demo page signs in through an OpenID provider, in Chromium",
  () => {
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let idp: Idp;
    let server: TestServer;

    beforeAll(async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      idp = await startIdp({
        clients: [
          {
            ...CLIENT,
            name: "tessera demo",
            redirectUris: [`${base}/auth/oidc/callback`, `${base}/auth/associate/oidc/callback`],
          },
        ],
      });
      server = await TestServer.start({
        framework: "demo",
        port,
        baseUrl: base,
        oidc: { issuer: idp.issuer, ...CLIENT },
      });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await idp?.close();
    });

    it("clicks 'Sign in with oidc', signs in on the provider's page, and lands on the signed-in profile", async () => {
      const page = await browser.context.newPage();
      try {
        await page.goto(`${server.url}/`);
        await page.getByRole("button", { name: "Sign in with oidc" }).click();
        // The provider's own login page.
        await page.waitForURL((url) => url.href.startsWith(idp.issuer));
        await page.getByLabel("Email").fill("alice@example.com");
        await page.getByLabel("Password").fill("wrong password");
        await page.getByRole("button", { name: "Sign in" }).click();
        await expect.poll(() => page.textContent("body")).toContain("Wrong email or password");
        await page.getByLabel("Password").fill("alice-password");
        await page.getByRole("button", { name: "Sign in" }).click();
        // Back on the demo, which finishes the sign-in and shows the profile.
        await page.waitForURL(`${server.url}/`);
        await expect.poll(() => page.isVisible("#profile")).toBe(true);
        expect(await page.textContent("#profile-email")).toBe("alice@example.com");
        expect(await page.textContent("#profile-verified")).toBe("yes");
        expect(await page.textContent("#message")).toBe("Signed in with oidc.");
        await expect
          .poll(() => page.textContent("#linked-list"))
          .toContain("oidc: alice@example.com");

        // Its only way to sign in cannot be unlinked; the page says why in words.
        await page.getByRole("button", { name: "Unlink" }).click();
        await expect.poll(() => page.textContent("#message")).toMatch(/only way to sign in/);

        const token = await page.evaluate('sessionStorage.getItem("tessera_token")');
        expect((await server.me({ authorization: `Bearer ${token}` })).status).toBe(200);
        await page.getByRole("button", { name: "Sign out" }).click();
        await expect.poll(() => page.isVisible("#signed-out")).toBe(true);
        // Signing out ended the session the provider sign-in made.
        expect((await server.me({ authorization: `Bearer ${token}` })).status).toBe(401);
      } finally {
        await page.close();
      }
    });
  },
);
