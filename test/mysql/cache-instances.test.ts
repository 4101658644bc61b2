import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeLatencies,
  register,
  revocationRounds,
  startCachedPair,
} from "../support/cache-instances.js";
import type { DemoProcess } from "../support/demo-process.js";
import { freshDatabaseUrl } from "../support/test-database.js";

let a: DemoProcess;
let b: DemoProcess;

beforeAll(async () => {
  [a, b] = await startCachedPair(await freshDatabaseUrl());
  await register(a, "ada@example.com");
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

it("two demo processes with TESSERA_CACHE=1 on MariaDB: a logout on A is refused by B within the bound (the polled revocation log), 20 rounds", async () => {
  const visibleAfter = await revocationRounds(a, b, "ada@example.com", 20);
  console.info(`mysql, two processes: B refused after ${describeLatencies(visibleAfter)}`);
  expect(visibleAfter).toHaveLength(20);
});
