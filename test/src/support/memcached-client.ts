// A small memcached client for tests, over node:net: the binary protocol with SASL PLAIN, which is
// what a memcached started with -S answers (its text protocol gets no reply). Written here rather
// than taken from npm so the test depends on nothing the plugin under test might share.

import { connect, type Socket } from 'node:net';

const HEADER = 24;
const opcodes = { get: 0x00, set: 0x01, saslAuth: 0x21 } as const;
/** The statuses a test meets (memcached's protocol_binary.h). */
export const statuses = { ok: 0x00, keyNotFound: 0x01, authError: 0x20 } as const;

interface Response {
  readonly status: number;
  readonly value: Buffer;
}

function request(
  opcode: number,
  key = '',
  value: Buffer = Buffer.alloc(0),
  extras = Buffer.alloc(0),
): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(0x80, 0);
  header.writeUInt8(opcode, 1);
  header.writeUInt16BE(keyBytes.length, 2);
  header.writeUInt8(extras.length, 4);
  header.writeUInt32BE(extras.length + keyBytes.length + value.length, 8);
  return Buffer.concat([header, extras, keyBytes, value]);
}

export class MemcachedSession {
  readonly #socket: Socket;
  #received = Buffer.alloc(0);
  readonly #waiting: { resolve(r: Response): void; reject(e: Error): void }[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk]);
      this.#deliver();
    });
    const failAll = (error: Error): void => {
      for (const w of this.#waiting.splice(0)) w.reject(error);
    };
    socket.on('error', failAll);
    socket.on('close', () => failAll(new Error('memcached closed the connection')));
  }

  /** Connects and authenticates with SASL PLAIN; rejects with the server's status when refused. */
  static async open(
    host: string,
    port: number,
    user: string,
    password: string,
  ): Promise<MemcachedSession> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setTimeout(10_000, () =>
      socket.destroy(new Error('memcached did not answer within 10 s')),
    );
    const session = new MemcachedSession(socket);
    const auth = await session.#call(
      request(opcodes.saslAuth, 'PLAIN', Buffer.from(`\0${user}\0${password}`, 'utf8')),
    );
    if (auth.status !== statuses.ok) {
      session.close();
      throw new Error(
        `SASL PLAIN as ${user} refused: status 0x${auth.status.toString(16)} ${auth.value.toString()}`,
      );
    }
    return session;
  }

  async set(key: string, value: string): Promise<number> {
    const extras = Buffer.alloc(8); // flags 0, no expiry
    return (await this.#call(request(opcodes.set, key, Buffer.from(value, 'utf8'), extras))).status;
  }

  /** The value, or undefined when the key is not there. */
  async get(key: string): Promise<string | undefined> {
    const r = await this.#call(request(opcodes.get, key));
    if (r.status === statuses.keyNotFound) return undefined;
    if (r.status !== statuses.ok) throw new Error(`get ${key}: status 0x${r.status.toString(16)}`);
    return r.value.toString('utf8');
  }

  close(): void {
    this.#socket.destroy();
  }

  #call(packet: Buffer): Promise<Response> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write(packet);
    });
  }

  #deliver(): void {
    while (this.#received.length >= HEADER) {
      const size = HEADER + this.#received.readUInt32BE(8);
      if (this.#received.length < size) return;
      const packet = this.#received.subarray(0, size);
      this.#received = this.#received.subarray(size);
      const skip = HEADER + packet.readUInt8(4) + packet.readUInt16BE(2);
      this.#waiting
        .shift()
        ?.resolve({ status: packet.readUInt16BE(6), value: packet.subarray(skip) });
    }
  }
}
