import { generateKeyPairSync } from "node:crypto";
import { DatabaseStrategy, JwtStrategy } from "tessera-auth";
import { runStrategySuite } from "tessera-auth/testing";
import { memoryDatabase } from "../support/sqlite.js";

const LIFETIME = 3600;

runStrategySuite("DatabaseStrategy (SQLite)", {
  lifetimeSeconds: LIFETIME,
  revocable: true,
  async create() {
    const db = await memoryDatabase();
    return {
      users: db.users,
      strategy: (clock) =>
        new DatabaseStrategy(db.accessTokens, { lifetimeSeconds: LIFETIME, clock }),
      dispose: () => db.db.destroy(),
    };
  },
});

runStrategySuite("JwtStrategy (HS256)", {
  lifetimeSeconds: LIFETIME,
  revocable: false,
  async create() {
    const db = await memoryDatabase();
    const secret = "a-secret-of-at-least-thirty-two-bytes!";
    return {
      users: db.users,
      strategy: (clock) => new JwtStrategy({ secret, lifetimeSeconds: LIFETIME, clock }),
      dispose: () => db.db.destroy(),
    };
  },
});

const { privateKey, publicKey } = generateKeyPairSync("ec", {
  namedCurve: "P-256",
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

runStrategySuite("JwtStrategy (ES256, another audience)", {
  lifetimeSeconds: LIFETIME,
  revocable: false,
  async create() {
    const db = await memoryDatabase();
    return {
      users: db.users,
      strategy: (clock) =>
        new JwtStrategy({
          secret: privateKey,
          publicKey,
          algorithm: "ES256",
          audience: "my-app",
          lifetimeSeconds: LIFETIME,
          clock,
        }),
      dispose: () => db.db.destroy(),
    };
  },
});
