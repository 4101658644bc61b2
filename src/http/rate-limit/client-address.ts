import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Which peers are proxies whose `X-Forwarded-For` is believed: addresses
 * (`10.0.0.7`, `::1`) and networks in CIDR form (`10.0.0.0/8`, `fd00::/8`).
 * Empty (the default) trusts no header: the client is the socket's peer.
 * Each entry is checked when the resolver is built: no white space, a prefix
 * of 0–32 (IPv4) or 0–128 (IPv6) in plain decimal, and a network written by
 * its first address (`10.0.0.0/8`; `10.1.2.3/8` is refused).
 */
export type TrustedProxies = readonly string[];

/** Decides which address a request comes from. Built once, from the trusted proxies. */
export class ClientAddressResolver {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  /** Throws a `TypeError` naming the entry that is not an address or network written exactly. */
  constructor(trustedProxies: TrustedProxies = []) {
    if (!Array.isArray(trustedProxies))
      throw new TypeError(
        `trustedProxies must be an array of addresses or networks, e.g. ["10.0.0.0/8"]`,
      );
    for (const entry of trustedProxies) {
      const { address, prefix, family } = parseTrustedProxy(entry);
      if (prefix === null) this.#trusted.addAddress(address, family);
      else this.#trusted.addSubnet(address, prefix, family);
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

/** One entry of {@link TrustedProxies}, checked: an address, or a network with its prefix length. */
interface TrustedProxy {
  address: string;
  /** `null` for a single address. */
  prefix: number | null;
  family: "ipv4" | "ipv6";
}

/** A prefix length as written in CIDR: decimal digits, no sign, no leading zero. */
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parses an entry strictly, since a lenient reading fails open: `"10.0.0.0/"`
 * read as `/0` would trust every address. A network must be written by its
 * first address (`10.0.0.0/8`, not `10.1.2.3/8`, which may be a typo for
 * `/32`), as Python's `ip_network` requires.
 */
function parseTrustedProxy(entry: string): TrustedProxy {
  const refuse = (why: string) =>
    new TypeError(
      `trustedProxies: "${entry}" ${why}; write an address ("10.0.0.7", "::1") or a network ("10.0.0.0/8", "fd00::/8")`,
    );
  if (typeof entry !== "string") throw refuse("is not a string");
  if (/\s/.test(entry)) throw refuse("contains white space");
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : null;
  if (family === null) throw refuse("is not an IP address or network");
  if (address.includes("%")) throw refuse("has a zone index");
  if (slash === -1) return { address, prefix: null, family };
  const bits = entry.slice(slash + 1);
  const max = family === "ipv4" ? 32 : 128;
  if (!PREFIX.test(bits) || Number(bits) > max)
    throw refuse(`has no valid prefix length after "/" (0 to ${max}, without leading zeros)`);
  const prefix = Number(bits);
  if (!hostBitsClear(address, family, prefix))
    throw refuse(`sets bits past its /${prefix} prefix (write the network's first address)`);
  return { address, prefix, family };
}

/** Whether every bit of the address past the prefix is zero. */
function hostBitsClear(address: string, family: "ipv4" | "ipv6", prefix: number): boolean {
  const width = family === "ipv4" ? 8 : 16;
  const parts =
    family === "ipv4"
      ? address.split(".").map(Number)
      : ipv6Groups(address).map((group) => Number.parseInt(group, 16));
  return parts.every((part, index) => {
    const kept = Math.min(Math.max(prefix - index * width, 0), width);
    const hostMask = (1 << (width - kept)) - 1;
    return (part & hostMask) === 0;
  });
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
