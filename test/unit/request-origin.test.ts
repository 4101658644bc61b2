import { CookieTransport, checkRequestOrigin } from "tessera-auth";
import { describe, expect, it } from "vitest";

const URL = "http://127.0.0.1:8000/users/me";

function request(method: string, headers: Record<string, string> = {}, url = URL) {
  return { method, url, headers: new Headers(headers) };
}

describe("checkRequestOrigin", () => {
  const trusted = new Set(["https://app.example.com"]);

  it("lets safe methods through whatever their origin", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      expect(
        checkRequestOrigin(request(method, { origin: "https://evil.example" }), trusted),
      ).toBeNull();
    }
  });

  it("checks Origin on unsafe methods against the request's own origin and trusted ones", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(
        checkRequestOrigin(request(method, { origin: "http://127.0.0.1:8000" }), trusted),
      ).toBeNull();
      expect(
        checkRequestOrigin(request(method, { origin: "https://app.example.com" }), trusted),
      ).toBeNull();
      for (const origin of [
        "https://evil.example",
        "null",
        "http://127.0.0.1:8001",
        "http://localhost:8000",
      ]) {
        expect(checkRequestOrigin(request(method, { origin }), trusted)).toBe(
          "CSRF_ORIGIN_NOT_TRUSTED",
        );
      }
    }
  });

  it("without Origin, reads Sec-Fetch-Site; with neither, lets the request through", () => {
    const check = (headers: Record<string, string>) =>
      checkRequestOrigin(request("POST", headers), trusted);
    expect(check({ "sec-fetch-site": "same-origin" })).toBeNull();
    expect(check({ "sec-fetch-site": "none" })).toBeNull();
    expect(check({})).toBeNull();
    expect(check({ "sec-fetch-site": "same-site" })).toBe("CSRF_CROSS_SITE_REQUEST");
    expect(check({ "sec-fetch-site": "cross-site" })).toBe("CSRF_CROSS_SITE_REQUEST");
    // Origin wins when both are there.
    expect(check({ origin: "https://evil.example", "sec-fetch-site": "same-origin" })).toBe(
      "CSRF_ORIGIN_NOT_TRUSTED",
    );
  });
});

describe("CookieTransport CSRF options", () => {
  it("normalises trusted origins and refuses what is not an origin", () => {
    const transport = new CookieTransport({ trustedOrigins: ["HTTPS://App.Example.com:443/path"] });
    expect([...transport.trustedOrigins]).toEqual(["https://app.example.com"]);
    expect(() => new CookieTransport({ trustedOrigins: ["not a url"] })).toThrow(TypeError);
  });

  it("csrfProtection: false turns the check off", () => {
    const evil = request("POST", { origin: "https://evil.example" });
    expect(new CookieTransport().checkRequestOrigin(evil)).toBe("CSRF_ORIGIN_NOT_TRUSTED");
    expect(new CookieTransport({ csrfProtection: false }).checkRequestOrigin(evil)).toBeNull();
  });
});
