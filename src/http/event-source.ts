import type { EventSource } from "../core/events.js";
import type { HttpRequest } from "../core/http-request.js";
import type { ClientAddressResolver } from "./rate-limit/client-address.js";

/** Who sent the request, for events and session records: the client's address and `User-Agent`. */
export function eventSource(
  tessera: { clientAddresses: ClientAddressResolver },
  request: HttpRequest,
): EventSource {
  return {
    ip: tessera.clientAddresses.resolve(
      request.peerAddress,
      request.headers.get("x-forwarded-for"),
    ),
    userAgent: request.headers.get("user-agent"),
  };
}
