import { type Db, MongoClient, type MongoClientOptions } from "mongodb";
import { redactUrl } from "../../core/redact-url.js";

/** A client and the database named in its URL. */
export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects to `mongodb://…/<database>` (the database defaults to `tessera`)
 * with timeouts fit for a request path: a server that cannot be reached fails
 * a request within `serverSelectionTimeoutMS` (the driver's own default is
 * 30 s) and tessera answers 503. The driver reconnects by itself.
 */
export async function connectMongo(
  url: string,
  options: MongoClientOptions = {},
): Promise<MongoConnection> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    ...options,
  });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => {});
    throw new Error(`cannot connect to ${redactUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // Not `new URL`: a replica set's URL lists several hosts, which it refuses.
  const name = decodeURIComponent(/^[^/]*\/\/[^/]*\/([^?]*)/.exec(url)?.[1] ?? "") || "tessera";
  return { client, db: client.db(name), close: () => client.close() };
}
