import { describe, expect, it, vi } from "vitest";
import { serverConfigFromEnv } from "../../examples/env.js";

const BASE = { TESSERA_SECRET: "a-secret-for-these-tests-0123456789" };

describe("the demo's environment", () => {
  it("turns the session options on from TESSERA_MAX_SESSIONS, _IDLE_TIMEOUT, _REFRESH_TOKENS, _PURGE_INTERVAL", () => {
    const { setup } = serverConfigFromEnv({
      ...BASE,
      TESSERA_MAX_SESSIONS: "3",
      TESSERA_IDLE_TIMEOUT: "900",
      TESSERA_TOKEN_LIFETIME: "7200",
      TESSERA_REFRESH_TOKENS: "1",
      TESSERA_PURGE_INTERVAL: "600",
    });
    expect(setup).toMatchObject({
      maxSessionsPerUser: 3,
      idleTimeoutSeconds: 900,
      lifetimeSeconds: 7200,
      refreshTokens: true,
      purgeEverySeconds: 600,
    });
  });

  it("leaves them off when unset", () => {
    const { setup } = serverConfigFromEnv(BASE);
    expect(setup).toMatchObject({
      maxSessionsPerUser: null,
      idleTimeoutSeconds: null,
      refreshTokens: false,
      purgeEverySeconds: null,
    });
  });

  it("stops on a value that is not a number it can use, naming the variable", () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const [name, value] of [
      ["TESSERA_MAX_SESSIONS", "0"],
      ["TESSERA_MAX_SESSIONS", "2.5"],
      ["TESSERA_IDLE_TIMEOUT", "-1"],
      ["TESSERA_IDLE_TIMEOUT", "soon"],
      ["TESSERA_REFRESH_TOKENS", "yes"],
      ["TESSERA_PURGE_INTERVAL", "0"],
    ] as const) {
      expect(() => serverConfigFromEnv({ ...BASE, [name]: value })).toThrow(name);
    }
  });
});
