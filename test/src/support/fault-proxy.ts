// A TCP proxy for tests that put a fault between Cellar and a service: it forwards every
// connection to the target, can slow the bytes sent through it (so an upload is still running
// when the test cuts it), and can cut the link (open connections destroyed, new ones refused)
// and heal it again, as a storage that dies and comes back would look from Cellar.

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** Bytes per second each connection may send towards the target; unlimited when not given. */
  readonly uploadRate?: number;
}

export class FaultProxy {
  readonly #sockets = new Set<Socket>();
  #cut = false;

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free loopback port. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    // Nobody knows the port before it is returned: no connection comes before the handler.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no proxy address');
    const proxy = new FaultProxy(server, address.port);
    server.on('connection', (client: Socket) => proxy.accept(client, options));
    return proxy;
  }

  /** `http://127.0.0.1:<port>`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the link is cut now. */
  get isCut(): boolean {
    return this.#cut;
  }

  accept(client: Socket, options: FaultProxyOptions): void {
    // A cut link accepts nothing: the peer sees its connection reset at once.
    if (this.#cut) return void client.resetAndDestroy();
    const upstream = connect(options.targetPort, options.targetHost);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    if (options.uploadRate === undefined) client.pipe(upstream);
    else throttle(client, upstream, options.uploadRate);
  }

  /** Destroys every open connection and refuses new ones until heal(). */
  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    this.#sockets.clear();
  }

  heal(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Forwards `from` to `to` at most `rate` bytes per second, pausing the reader between chunks. */
function throttle(from: Socket, to: Socket, rate: number): void {
  let credit = Date.now();
  from.on('data', (chunk: Buffer) => {
    to.write(chunk);
    credit = Math.max(credit, Date.now()) + (chunk.length / rate) * 1000;
    const ahead = credit - Date.now();
    if (ahead <= 0) return;
    from.pause();
    setTimeout(() => from.resume(), ahead).unref();
  });
  from.on('end', () => to.end());
}
