import { randomUUID } from "node:crypto";
import type { IdOf, IdType } from "./models.js";

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const INTEGER = /^[1-9][0-9]{0,15}$/;

/**
 * Parses an id taken from a URL. Returns `null` for anything malformed, so a
 * route can answer 404 without touching the database.
 *
 * UUIDs are accepted with or without dashes and in any case (as Python's
 * `uuid.UUID` does) and returned in canonical lowercase dashed form.
 */
export function parseId<T extends IdType>(idType: T, raw: string): IdOf<T> | null {
  switch (idType) {
    case "uuid": {
      if (!UUID.test(raw)) return null;
      const hex = raw.replaceAll("-", "").toLowerCase();
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` as IdOf<T>;
    }
    case "integer": {
      if (!INTEGER.test(raw)) return null;
      const n = Number(raw);
      return (Number.isSafeInteger(n) ? n : null) as IdOf<T> | null;
    }
    default:
      return (raw.length > 0 && raw.length <= 255 ? raw : null) as IdOf<T> | null;
  }
}

/** A new random id for id types the application generates (not `integer`). */
export function newId(): string {
  return randomUUID();
}
