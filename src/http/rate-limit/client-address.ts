import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Which peers are proxies whose `X-Forwarded-For` is believed: addresses
 * (`10.0.0.7`, `::1`) and networks in CIDR form (`10.0.0.0/8`, `fd00::/8`).
 * Empty (the default) trusts no header: the client is the socket's peer.
 */
export type TrustedProxies = readonly string[];

/** Decides which address a request comes from. Built once, from the trusted proxies. */
export class ClientAddressResolver {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  constructor(trustedProxies: TrustedProxies = []) {
    for (const entry of trustedProxies) {
      const [address = "", bits] = entry.trim().split("/");
      const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : null;
      if (family === null)
        throw new TypeError(`trustedProxies: "${entry}" is not an IP address or network`);
      if (bits === undefined) this.#trusted.addAddress(address, family);
      else this.#trusted.addSubnet(address, Number(bits), family);
    }
    this.#any = trustedProxies.length > 0;
  }

  /**
   * The client's address: the socket's peer, unless that peer is a trusted
   * proxy, in which case `X-Forwarded-For` is read from the right, skipping
   * trusted proxies, and the first address that is not one is the client.
   * `null` when the socket's address is unknown.
   */
  resolve(peer: string | undefined, forwardedFor: string | null): string | null {
    if (!peer) return null;
    let client = unmapped(peer);
    if (!this.#any || forwardedFor === null || !this.#isTrusted(client)) return client;
    const hops = forwardedFor.split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapped((hops[i] as string).trim());
      if (!isIPv4(hop) && !isIPv6(hop)) return client;
      client = hop;
      if (!this.#isTrusted(hop)) return hop;
    }
    return client;
  }

  #isTrusted(address: string): boolean {
    return this.#trusted.check(address, isIPv4(address) ? "ipv4" : "ipv6");
  }
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) → `192.0.2.1`. */
function unmapped(address: string): string {
  return address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * The key a client address is limited under: the IPv4 address itself, or the
 * /64 network of an IPv6 address (one subscriber usually holds a whole /64,
 * so limiting single IPv6 addresses would limit nothing).
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lowercase hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const withoutZone = address.split("%")[0] as string;
  const [head = "", tail] = withoutZone.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const last = right.at(-1) ?? left.at(-1) ?? "";
  // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups.
  if (isIPv4(last)) {
    const octets = last.split(".").map(Number) as [number, number, number, number];
    const groups = [
      ((octets[0] << 8) | octets[1]).toString(16),
      ((octets[2] << 8) | octets[3]).toString(16),
    ];
    (right.length > 0 ? right : left).splice(-1, 1, ...groups);
  }
  const zeros = Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
