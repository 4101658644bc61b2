import { SignJWT } from "jose";
import { RESET_PASSWORD_AUDIENCE, SignedTokens, VERIFY_USER_AUDIENCE } from "tessera-auth";
import { describe, expect, it } from "vitest";

const SECRET = "0123456789abcdef0123456789abcdef";

function tokens(now: { value: Date }, audience = RESET_PASSWORD_AUDIENCE, secret = SECRET) {
  return new SignedTokens({ secret, audience, lifetimeSeconds: 3600, clock: () => now.value });
}

describe("SignedTokens", () => {
  it("signs HS256 JWTs that read back until they expire", async () => {
    const now = { value: new Date("2026-01-01T00:00:00Z") };
    const signer = tokens(now);
    const token = await signer.sign({ sub: "42", extra: "x" });
    expect(await signer.read(token)).toEqual({
      sub: "42",
      extra: "x",
      aud: RESET_PASSWORD_AUDIENCE,
      iat: 1767225600,
      exp: 1767225600 + 3600,
    });
    now.value = new Date(now.value.getTime() + 3600_000 - 1000);
    expect(await signer.read(token)).not.toBeNull();
    now.value = new Date(now.value.getTime() + 1000);
    expect(await signer.read(token)).toBeNull();
  });

  it("refuses other audiences, other keys, other algorithms, alg none and tampering", async () => {
    const now = { value: new Date() };
    const reset = tokens(now);
    const token = await reset.sign({ sub: "42" });
    expect(await tokens(now, VERIFY_USER_AUDIENCE).read(token)).toBeNull();
    expect(await tokens(now, RESET_PASSWORD_AUDIENCE, `${SECRET}!`).read(token)).toBeNull();
    const key = new TextEncoder().encode(SECRET);
    const claims = { sub: "42", aud: RESET_PASSWORD_AUDIENCE, exp: Date.now() / 1000 + 60 };
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).sign(key);
    expect(await reset.read(hs512)).toBeNull();
    const [, payload] = token.split(".");
    expect(await reset.read(`eyJhbGciOiJub25lIn0.${payload}.`)).toBeNull();
    expect(await reset.read(`${token.slice(0, -2)}xx`)).toBeNull();
    const noSub = await new SignJWT({ aud: RESET_PASSWORD_AUDIENCE, exp: claims.exp })
      .setProtectedHeader({ alg: "HS256" })
      .sign(key);
    expect(await reset.read(noSub)).toBeNull();
    for (const junk of ["", "x", "a.b.c", "x".repeat(10_000)]) {
      expect(await reset.read(junk)).toBeNull();
    }
  });

  it("accepts tokens FastAPI Users would sign with the same secret (PyJWT, HS256)", async () => {
    const key = new TextEncoder().encode(SECRET);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const pyjwt = await new SignJWT({ sub: "7", aud: VERIFY_USER_AUDIENCE, email: "a@b.co", exp })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(key);
    const verify = tokens({ value: new Date() }, VERIFY_USER_AUDIENCE);
    expect(await verify.read(pyjwt)).toMatchObject({ sub: "7", email: "a@b.co" });
  });

  it("refuses secrets under 32 bytes and bad lifetimes", () => {
    const base = { audience: "a", lifetimeSeconds: 60 };
    expect(() => new SignedTokens({ ...base, secret: "short" })).toThrow(RangeError);
    expect(() => new SignedTokens({ ...base, secret: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => new SignedTokens({ ...base, secret: SECRET, lifetimeSeconds: 0 })).toThrow(
      RangeError,
    );
  });
});
