import type { IncomingMessage } from "node:http";
import type { HeaderReader } from "../core/http-request.js";

/** `get(name)` over a Node request's headers (repeated headers joined as Node does). */
export function nodeHeaders(req: IncomingMessage): HeaderReader {
  return {
    get(name) {
      const value = req.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}
