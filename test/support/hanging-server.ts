// A child process for the signal tests: an HTTP server whose requests never
// end, under gracefulShutdown (grace 10 s). Prints its URL, then a line per
// request and per signal it receives.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gracefulShutdown } from "tessera-auth/node";

const server = createServer(() => {
  process.stdout.write("request\n");
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
gracefulShutdown(server, { graceMs: 10_000 });
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => process.stdout.write(`signal ${signal}\n`));
}
