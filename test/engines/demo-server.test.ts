import { expect, it } from "vitest";
import { bearer, jsonBody, PASSWORD } from "../http/harness.js";
import { DemoProcess } from "../support/demo-process.js";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

it(`npm start's server runs on ${ENGINE} from DATABASE_URL alone, migrating a new database`, async () => {
  const demo = await DemoProcess.start(await freshDatabaseUrl());
  try {
    const register = await demo.fetch(
      "/auth/register",
      jsonBody("POST", { email: "ada@example.com", password: PASSWORD }),
    );
    expect(register.status).toBe(201);
    const login = await demo.fetch("/auth/login", {
      method: "POST",
      body: new URLSearchParams({ username: "ADA@example.com", password: PASSWORD }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const me = await demo.fetch("/users/me", { headers: bearer(access_token) });
    expect(await me.json()).toMatchObject({ email: "ada@example.com", is_active: true });
  } finally {
    await demo.stop();
  }
});
