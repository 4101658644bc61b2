import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy to a database server, for fault tests: `cut()` drops every open
 * connection and refuses new ones, as a crashed or restarting server does;
 * `restore()` accepts connections again on the same port.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
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

  /** Accepts connections (again), on the same port as before. */
  async restore(): Promise<void> {
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
      client.pipe(upstream).pipe(client);
    });
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
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
}
