import { connect } from "node:net";

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of `Content-Length`. */
  chunked?: boolean;
  /** Bytes written right after the body on the same connection (a pipelined request). */
  pipelined?: string;
  /** Keep reading after the first response until the server closes. @default false */
  readToClose?: boolean;
}

export interface RawResponse {
  status: number;
  /** Lowercased names. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** The first response, read whole (by its Content-Length). */
  response: Promise<RawResponse>;
  /** Every byte the server sent, once the connection has closed. */
  received: Promise<string>;
  /** Resolves when the connection has closed cleanly; rejects on a socket error (a reset, say). */
  closed: Promise<void>;
}

/**
 * One request on a fresh TCP connection, written whole at once as an uploading
 * client does, without waiting for an answer. Once the response has arrived the
 * client ends its side (after the rest of its upload), as Node's agent does on
 * `Connection: close`; with `readToClose` it waits for the server to close.
 */
export function exchange(url: string, request: RawRequest): RawExchange {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const framing = request.chunked
    ? { "transfer-encoding": "chunked" }
    : { "content-length": String(request.body.length) };
  const head = Object.entries({ host: `${hostname}:${port}`, ...framing, ...request.headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.write(`${request.method} ${request.path} HTTP/1.1\r\n${head}\r\n`);
  if (request.chunked) {
    for (let at = 0; at < request.body.length; at += 65_536) {
      const chunk = request.body.subarray(at, at + 65_536);
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write("\r\n");
    }
    socket.write("0\r\n\r\n");
  } else {
    socket.write(request.body);
  }
  if (request.pipelined) socket.write(request.pipelined);

  const chunks: Buffer[] = [];
  const response = new Promise<RawResponse>((resolve, reject) => {
    socket.on("data", function read(chunk: Buffer) {
      chunks.push(chunk);
      const parsed = parseResponse(Buffer.concat(chunks));
      if (!parsed) return;
      socket.off("data", read);
      socket.on("data", (more: Buffer) => chunks.push(more));
      resolve(parsed);
      if (!request.readToClose) socket.end();
    });
    socket.on("close", () => reject(new Error("connection closed before a whole response")));
  });
  const closed = new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
  const received = new Promise<string>((resolve) =>
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1"))),
  );
  return { response, received, closed };
}

function parseResponse(bytes: Buffer): RawResponse | null {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  if (bytes.length < end + 4 + length) return null;
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: bytes.subarray(end + 4, end + 4 + length).toString("utf8"),
  };
}
