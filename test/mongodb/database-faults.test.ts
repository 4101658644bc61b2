import { DatabaseUnavailableError } from "tessera-auth";
import { connectMongo, ensureIndexes, mongoAdapter } from "tessera-auth/mongodb";
import { afterAll, describe, expect, it, vi } from "vitest";
import { FerretdbProcess, ferretdbMissing } from "../support/ferretdb-process.js";
import { mongoTestDatabase } from "../support/mongodb.js";

const missing = ferretdbMissing();

describe.skipIf(missing !== null)(
  `MongoDB adapter, server killed and back${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let server: FerretdbProcess;
    afterAll(async () => server?.kill());

    it("answers DatabaseUnavailableError quickly while the server is down, and works again once it is back", async () => {
      server = await FerretdbProcess.start();
      const connection = await connectMongo(server.url(mongoTestDatabase("faults")), {
        serverSelectionTimeoutMS: 1000,
      });
      try {
        await ensureIndexes(connection.db);
        const { users } = mongoAdapter(connection.db);
        const ada = await users.create({
          email: "ada@example.com",
          hashedPassword: "x",
          isActive: true,
          isSuperuser: false,
          isVerified: false,
        });

        await server.kill();
        const started = performance.now();
        await expect(users.get(ada.id)).rejects.toBeInstanceOf(DatabaseUnavailableError);
        expect(performance.now() - started).toBeLessThan(3000);

        await server.start();
        await vi.waitFor(async () => expect((await users.get(ada.id))?.email).toBe(ada.email), {
          timeout: 15_000,
          interval: 200,
        });
        await connection.db.dropDatabase();
      } finally {
        await connection.close();
      }
    });
  },
);
