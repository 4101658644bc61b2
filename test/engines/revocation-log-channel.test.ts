import { performance } from "node:perf_hooks";
import { connect, migrateToLatest, revocationLogChannel } from "tessera-auth/kysely";
import { expect, it, vi } from "vitest";
import { ENGINE, freshDatabaseUrl } from "../support/test-database.js";

/** A channel on a fresh database, and what it delivered, with each confirmation. */
async function started() {
  const connection = await connect(await freshDatabaseUrl());
  await migrateToLatest(connection.db);
  const channel = revocationLogChannel(connection.db);
  const messages: string[] = [];
  const confirmations: { since: number; delivered: number }[] = [];
  await channel.start(
    {
      message: (message) => messages.push(message),
      confirmed: (since) => confirmations.push({ since, delivered: messages.length }),
      down: () => {},
      now: () => performance.now(),
      active: () => true,
    },
    { heartbeatMs: 20 },
  );
  return { db: connection.db, channel, messages, confirmations, connection };
}

it(`the revocation log (${ENGINE}) confirms a poll only once it has read every row written before it, past one batch`, async () => {
  const { db, channel, messages, confirmations, connection } = await started();
  try {
    const rows = Array.from({ length: 1_234 }, (_, i) => ({
      message: `t:${i}`,
      created_ms: Date.now(),
    }));
    for (let start = 0; start < rows.length; start += 400) {
      await db
        .insertInto("revocationlog")
        .values(rows.slice(start, start + 400))
        .execute();
    }
    const written = performance.now();
    await vi.waitFor(() => expect(confirmations.some((c) => c.since > written)).toBe(true), {
      timeout: 5_000,
    });
    const first = confirmations.find((c) => c.since > written);
    expect(first?.delivered).toBe(1_234);
    expect(messages).toEqual(rows.map((row) => row.message));
  } finally {
    await channel.close();
    await connection.close();
  }
});

it(`the revocation log (${ENGINE}) delivers a row whose id commits after a newer one`, async () => {
  const { db, channel, messages, connection } = await started();
  try {
    await channel.publish("t:first");
    await vi.waitFor(() => expect(messages).toEqual(["t:first"]));
    const { id } = (await db
      .selectFrom("revocationlog")
      .select((eb) => eb.fn.max("id").as("id"))
      .executeTakeFirstOrThrow()) as { id: number | string };
    const next = Number(id) + 1;
    // The id after it is taken by a write that has not committed yet; the one after that commits first.
    await db
      .insertInto("revocationlog")
      .values({ id: next + 1, message: "t:later", created_ms: Date.now() })
      .execute();
    await vi.waitFor(() => expect(messages).toEqual(["t:first", "t:later"]));
    await db
      .insertInto("revocationlog")
      .values({ id: next, message: "t:late", created_ms: Date.now() })
      .execute();
    await vi.waitFor(() => expect(messages).toEqual(["t:first", "t:later", "t:late"]));
  } finally {
    await channel.close();
    await connection.close();
  }
});
