import { Binary, type Db, type ObjectId } from "mongodb";
import { inject } from "vitest";
import type { Setup } from "../../examples/setup.js";
import { MONGODB_URL, mongoRunPrefix } from "./mongodb.js";

/** Where the HTTP suite's app keeps its data: the project's SQL engine, or MongoDB (project `mongodb`). */
export const STORE = (process.env.TESSERA_TEST_STORE ?? "sql") as "sql" | "mongodb";

/** A MongoDB database for this test worker alone, as the demo's DATABASE_URL. */
export function mongoWorkerUrl(): Promise<string> {
  const url = new URL(MONGODB_URL);
  url.pathname = `/${mongoRunPrefix(inject("engine").runId)}w${process.env.VITEST_POOL_ID ?? "0"}`;
  return Promise.resolve(url.toString());
}

/** Deletes every document of the collections. */
export async function emptyCollections(db: Db, names: string[]): Promise<void> {
  for (const name of names) await db.collection(name).deleteMany({});
}

/**
 * Every row of a table as stored: SQL rows, or on MongoDB the documents, with
 * `_id` as `id` (a user's) or `token` (a token's) and ids as strings, so the
 * suite's checks read the same on both.
 */
export async function rowsOf(setup: Setup<any>, table: string): Promise<Record<string, unknown>[]> {
  if (!setup.mongo) return setup.db.selectFrom(table).selectAll().execute();
  const documents = await setup.mongo.collection(table).find().toArray();
  return documents.map(({ _id, email_key: _key, ...fields }) => {
    const row: Record<string, unknown> = {};
    if (typeof _id === "string") row.token = _id;
    else row.id = idString(_id);
    for (const [name, value] of Object.entries(fields)) {
      row[name] = name === "user_id" ? idString(value) : value;
    }
    return row;
  });
}

/** An ObjectId's hex or a UUID's dashed form. */
function idString(value: unknown): string {
  return value instanceof Binary
    ? value.toUUID().toHexString(true)
    : (value as ObjectId).toHexString();
}
