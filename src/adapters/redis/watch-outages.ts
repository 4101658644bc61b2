/** The events of an ioredis client (or Cluster) that say it went down or came back. */
interface EventSource {
  on(event: "error" | "reconnecting" | "ready", listener: (error?: unknown) => void): unknown;
}

/** Where a client's outages are already watched: one line per change, whoever shares the client. */
const watched = new WeakSet<object>();

/**
 * Listens to a Redis client's connection events and logs one line when it
 * goes down and one when it is back. Listening to `error` is also what keeps
 * ioredis from printing "Unhandled error event" at every reconnection attempt.
 * Clients without events (a structural slice) are left alone.
 */
export function watchOutages(
  client: object,
  log: (message: string) => void = (message) => console.warn(message),
): void {
  const source = client as Partial<EventSource>;
  if (typeof source.on !== "function" || watched.has(client)) return;
  watched.add(client);
  let down = false;
  const wentDown = (reason: string) => {
    if (down) return;
    down = true;
    log(`tessera: Redis is unreachable (${reason}); its requests answer 503 until it returns`);
  };
  source.on("error", (error) => wentDown(describe(error)));
  source.on("reconnecting", () => wentDown("the connection closed"));
  source.on("ready", () => {
    if (!down) return;
    down = false;
    log("tessera: Redis is reachable again");
  });
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}
