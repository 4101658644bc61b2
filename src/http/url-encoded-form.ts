/** UTF-8 that refuses what is not UTF-8, instead of writing U+FFFD in its place. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The name–value pairs of an `application/x-www-form-urlencoded` body, parsed
 * as the WHATWG URL standard (and `URLSearchParams`) does, except that a name
 * or value whose bytes, once percent-decoded, are not UTF-8 (`password=%ff%fe`)
 * makes the whole form `null` rather than decoding to U+FFFD: a password
 * stored with replacement characters could never be typed again.
 */
export function parseUrlEncodedForm(bytes: Uint8Array): [string, string][] | null {
  const pairs: [string, string][] = [];
  for (let start = 0; start < bytes.length; ) {
    const ampersand = bytes.indexOf(0x26, start);
    const end = ampersand === -1 ? bytes.length : ampersand;
    if (end > start) {
      const sequence = bytes.subarray(start, end);
      const equals = sequence.indexOf(0x3d);
      const name = decodeComponent(equals === -1 ? sequence : sequence.subarray(0, equals));
      const value = decodeComponent(equals === -1 ? EMPTY : sequence.subarray(equals + 1));
      if (name === null || value === null) return null;
      pairs.push([name, value]);
    }
    start = end + 1;
  }
  return pairs;
}

const EMPTY = new Uint8Array(0);

/** `+` as a space, `%XX` as its byte (a `%` not followed by two hex digits stays), then UTF-8. */
function decodeComponent(bytes: Uint8Array): string | null {
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let at = 0; at < bytes.length; at++) {
    const byte = bytes[at] as number;
    const high = byte === 0x25 ? hexValue(bytes[at + 1]) : -1;
    const low = high === -1 ? -1 : hexValue(bytes[at + 2]);
    if (low !== -1) {
      out[length++] = high * 16 + low;
      at += 2;
    } else {
      out[length++] = byte === 0x2b ? 0x20 : byte;
    }
  }
  try {
    return utf8.decode(out.subarray(0, length));
  } catch {
    return null;
  }
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
