/**
 * One login over node:http from a chosen loopback source address, for the
 * login-flood clients: every client is its own address to the server's rate
 * limits (Linux accepts any 127.x.y.z as a source on the loopback interface).
 */
import { Agent, request } from "node:http";

/** What a login answered. */
export interface LoginAnswer {
  status: number;
  /** The `Retry-After` header, if any. */
  retryAfter: string | null;
  /** The contract's `detail` code of an error answer (`LOGIN_BAD_CREDENTIALS`, …), if any. */
  detail: string | null;
  ms: number;
}

/** The `index`-th address of the 127.`block`.0.0/16 network (`index` from 0, never .0.0). */
export function loopbackAddress(block: number, index: number): string {
  const host = index + 1;
  return `127.${block}.${Math.floor(host / 256)}.${host % 256}`;
}

/** A keep-alive agent whose connections all leave from `localAddress`. */
export function agentFrom(localAddress: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, localAddress });
}

/** `POST /auth/login` with the OAuth2 password form; rejects on a socket error. */
export function postLogin(
  agent: Agent,
  base: URL,
  username: string,
  password: string,
): Promise<LoginAnswer> {
  const body = new URLSearchParams({ username, password }).toString();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path: "/auth/login",
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const retryAfter = res.headers["retry-after"] ?? null;
          resolve({
            status,
            retryAfter,
            detail: detailOf(status, text),
            ms: performance.now() - started,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function detailOf(status: number, text: string): string | null {
  if (status < 400) return null;
  try {
    const { detail } = JSON.parse(text) as { detail?: unknown };
    return typeof detail === "string" ? detail : null;
  } catch {
    return null;
  }
}
