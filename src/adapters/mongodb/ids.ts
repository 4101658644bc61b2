import { type Binary, ObjectId, UUID } from "mongodb";
import { parseId } from "../../core/ids.js";

/** How users are keyed in MongoDB: ObjectIds (FastAPI Users' Beanie default) or UUIDs (BSON subtype 4). */
export type MongoIdType = "objectid" | "uuid";

/** Converts a user id between the string tessera hands out and the BSON value stored in `_id`. */
export interface IdCodec {
  readonly type: MongoIdType;
  /** An id from a URL, canonical, or `null` when it cannot be one. */
  parse(raw: string): string | null;
  /** The stored value of a canonical id; `null` when it is not one (it then matches nothing). */
  toStored(id: string): ObjectId | UUID | null;
  fromStored(value: unknown): string;
  generate(): ObjectId | UUID;
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;

const objectIds: IdCodec = {
  type: "objectid",
  parse: (raw) => (OBJECT_ID.test(raw) ? raw.toLowerCase() : null),
  toStored: (id) => (OBJECT_ID.test(id) ? new ObjectId(id) : null),
  fromStored: (value) => (value as ObjectId).toHexString(),
  generate: () => new ObjectId(),
};

const uuids: IdCodec = {
  type: "uuid",
  parse: (raw) => parseId("uuid", raw),
  toStored: (id) => {
    const canonical = parseId("uuid", id);
    return canonical === null ? null : new UUID(canonical);
  },
  fromStored: (value) =>
    (value instanceof UUID ? value : (value as Binary).toUUID()).toHexString(true),
  generate: () => new UUID(),
};

export function idCodec(type: MongoIdType): IdCodec {
  if (type === "objectid") return objectIds;
  if (type === "uuid") return uuids;
  throw new TypeError(`idType must be "objectid" or "uuid", got "${type}"`);
}

/** The stored value of a user id the caller vouches for; a `TypeError` when it is not one. */
export function storedUserId(ids: IdCodec, id: string): ObjectId | UUID {
  const stored = ids.toStored(id);
  if (stored === null) throw new TypeError(`"${id}" is not a ${ids.type} user id`);
  return stored;
}
