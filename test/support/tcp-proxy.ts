import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Transform } from "node:stream";

/**
 * A TCP proxy to a database server, for fault tests: `cut()` drops every open
 * connection and refuses new ones, as a crashed or restarting server does;
 * `blackhole()` keeps every connection open and accepts new ones but carries
 * nothing either way, as a hung server or a silent network partition does;
 * `restore()` goes back to forwarding (on the same port after a cut).
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #silent = false;
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.restore();
    return proxy;
  }

  /**
   * Forwards again: after `blackhole()`, on the connections kept open (what
   * was sent meanwhile stays lost) and new ones; after `cut()`, accepts
   * connections again on the same port.
   */
  async restore(): Promise<void> {
    this.#silent = false;
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(this.#gate()).pipe(upstream);
      upstream.pipe(this.#gate()).pipe(client);
    });
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Keeps accepting and holding connections, but from now on forwards nothing in either direction. */
  async blackhole(): Promise<void> {
    this.#silent = true;
  }

  /** Resets every open connection and stops accepting new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    const closed = server ? new Promise((done) => server.close(done)) : Promise.resolve();
    for (const socket of this.#sockets) socket.resetAndDestroy();
    await closed;
  }

  close(): Promise<void> {
    return this.cut();
  }

  /** Passes bytes on, or drops them while the proxy is silent. */
  #gate(): Transform {
    return new Transform({
      transform: (chunk, _encoding, done) => done(null, this.#silent ? undefined : chunk),
    });
  }
}
