// The embedded transport: HTTP over unix domain sockets, one socket per topic in a directory both
// sides know. No broker; a topic has one server; a cast to a topic nobody serves fails at once.

import { createHash } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { RpcRejected, RpcTimeout, RpcUnavailable } from '@cellar/plugin-api';
import type { Listener, MessageHandler, RequestOptions, Transport } from '../transport.js';

/** Unix socket paths are limited to 107 bytes; long ones fall back to a hashed name. */
const MAX_SOCKET_PATH = 100;

export function socketPath(dir: string, topic: string): string {
  const plain = join(dir, `${topic}.sock`);
  return Buffer.byteLength(plain) <= MAX_SOCKET_PATH
    ? plain
    : join(dir, `${createHash('sha256').update(topic).digest('hex').slice(0, 24)}.sock`);
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** True when something accepts connections on the socket. */
function isServed(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface LocalTransportOptions {
  /** Where a topic's socket is, when not in the directory (a guest's own socket lives in its instance). */
  readonly socketFor?: (topic: string) => string | undefined;
  /**
   * Topics any local user may connect to: the conductor, which guests running as another OS user
   * report to. Connecting grants nothing; every message is still checked against its signature.
   */
  readonly openTopics?: readonly string[];
}

export class LocalTransport implements Transport {
  readonly competingConsumers = false;
  readonly #agents = new Map<string, Agent>();
  readonly #listeners = new Set<Listener>();

  constructor(
    private readonly dir: string,
    private readonly options: LocalTransportOptions = {},
  ) {}

  #path(topic: string): string {
    return this.options.socketFor?.(topic) ?? socketPath(this.dir, topic);
  }

  async listen(topic: string, handler: MessageHandler): Promise<Listener> {
    const open = this.options.openTopics?.includes(topic) === true;
    const path = this.#path(topic);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Others may pass through the directory to an open socket, but not list it.
    if (open) await chmod(dirname(path), 0o711);
    if (await isServed(path))
      throw new Error(
        `topic ${topic} is already served at ${path}; the local transport allows one server per topic`,
      );
    await rm(path, { force: true });
    const server = createServer((req, res) => {
      void readBody(req)
        .then(async (body) => {
          if (req.headers['x-cellar-kind'] === 'cast') {
            // Accepted once read: the sender does not wait for the work.
            res.writeHead(202).end();
            await handler(body);
            return;
          }
          const reply = await handler(body);
          res
            .writeHead(200, { 'content-type': 'application/octet-stream' })
            .end(reply ?? Buffer.alloc(0));
        })
        .catch(() => res.destroy());
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    if (open) await chmod(path, 0o666);
    const listener: Listener = {
      close: async () => {
        this.#listeners.delete(listener);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(path, { force: true });
      },
    };
    this.#listeners.add(listener);
    return listener;
  }

  #post(
    topic: string,
    kind: 'call' | 'cast',
    message: Buffer,
    timeoutSeconds: number,
    method: string,
  ): Promise<Buffer> {
    const path = this.#path(topic);
    let agent = this.#agents.get(path);
    if (!agent) {
      agent = new Agent({ keepAlive: true });
      this.#agents.set(path, agent);
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: path,
          agent,
          method: 'POST',
          path: '/',
          headers: { 'x-cellar-kind': kind, 'content-length': message.length },
        },
        (res) => {
          readBody(res).then((body) => {
            clearTimeout(timer);
            if (res.statusCode === 200 || res.statusCode === 202) resolve(body);
            else
              reject(
                new RpcUnavailable({
                  topic,
                  reason: `the server answered HTTP ${res.statusCode ?? '?'}`,
                }),
              );
          }, reject);
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        reject(new RpcTimeout({ method, topic, seconds: timeoutSeconds }));
      }, timeoutSeconds * 1000);
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const absent = error.code === 'ENOENT' || error.code === 'ECONNREFUSED';
        reject(
          new RpcUnavailable(
            { topic, reason: absent ? `no server listens at ${path}` : error.message },
            { cause: error },
          ),
        );
      });
      req.end(message);
    });
  }

  async request(topic: string, message: Buffer, options: RequestOptions): Promise<Buffer> {
    const reply = await this.#post(topic, 'call', message, options.timeoutSeconds, options.method);
    if (reply.length === 0)
      throw new RpcRejected({
        topic,
        reason: 'the message was refused without a reply (malformed or unsigned)',
      });
    return reply;
  }

  async send(topic: string, message: Buffer): Promise<void> {
    await this.#post(topic, 'cast', message, 30, 'cast');
  }

  async close(): Promise<void> {
    for (const listener of [...this.#listeners]) await listener.close();
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
