// The guest's own session with its server: os_admin over the private unix socket, opened on first
// use and again after it is lost. Every command goes as separate arguments, never as one string.

import { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 5_000;

export const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export type Arg = string | number;

export interface AdminSessionOptions {
  readonly socket: string;
  readonly user: string;
  readonly password: () => Promise<string>;
  /** What a failed connection is reported as: most often the server is stopped or starting. */
  readonly notReady: (cause: unknown) => Promise<Error>;
}

export class AdminSession {
  #client: Promise<Redis> | undefined;

  constructor(private readonly options: AdminSessionOptions) {}

  async #open(): Promise<Redis> {
    const client = new Redis({
      path: this.options.socket,
      username: this.options.user,
      password: await this.options.password(),
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  #session(): Promise<Redis> {
    if (this.#client === undefined) {
      const opening = this.#open().catch(async (error: unknown) => {
        throw await this.options.notReady(error);
      });
      const forget = (): void => {
        if (this.#client === opening) this.#client = undefined;
      };
      opening.then((c) => c.on('end', forget)).catch(forget);
      this.#client = opening;
    }
    return this.#client;
  }

  /** One command, each argument as its own bulk string. */
  async call(command: string, ...args: Arg[]): Promise<unknown> {
    return (await this.#session()).call(command, ...args);
  }

  /** PING on a connection of its own, for readiness and health: answers PONG or throws. */
  async ping(): Promise<void> {
    const client = await this.#open();
    try {
      await client.ping();
    } finally {
      client.disconnect();
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await client.then((c) => c.disconnect()).catch(() => undefined);
  }
}
