import type { Readable } from "node:stream";

/**
 * Reads a body to its end, or stops and answers `null` as soon as it passes
 * `maxBytes`. Past the limit the rest is left unread (the caller answers 413
 * and closes the connection the lingering way): a Node stream is paused, not
 * destroyed, since destroying a request destroys its socket, and the client
 * would see a reset instead of the 413.
 */
export function readLimited(
  stream: Readable | AsyncIterable<Uint8Array> | null | undefined,
  maxBytes: number,
  declaredLength?: string | null,
): Promise<Uint8Array | null> {
  if (declaredLength != null && Number(declaredLength) > maxBytes) return Promise.resolve(null);
  if (!stream) return Promise.resolve(new Uint8Array(0));
  return isNodeStream(stream) ? readNode(stream, maxBytes) : readIterable(stream, maxBytes);
}

function isNodeStream(stream: object): stream is Readable {
  return (
    typeof (stream as Readable).pause === "function" &&
    typeof (stream as Readable).on === "function"
  );
}

function readNode(stream: Readable, maxBytes: number): Promise<Uint8Array | null> {
  if (stream.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const stop = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
    };
    const onData = (chunk: Uint8Array) => {
      total += chunk.byteLength;
      if (total <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      stream.pause();
      resolve(null);
    };
    const onEnd = () => {
      stop();
      resolve(concat(chunks, total));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
  });
}

async function readIterable(
  stream: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) return null;
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
