// bench/provision's memcached entry: memcached with SASL (-S) over a sasldb made with saslpasswd2,
// loopback only, and the first query as the user: SASL PLAIN and a SET in the binary protocol
// over node:net (the only protocol memcached speaks with SASL; no client library needed for two
// requests).

import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { poll, runAs, startServer, type ProvisionEntry, type RunAs } from './common.js';

const SERVER = '/usr/bin/memcached';
const SASLPASSWD = '/usr/sbin/saslpasswd2';

const OP_SET = 0x01;
const OP_SASL_AUTH = 0x21;

/** One binary-protocol request (header, extras, key, value). */
function frame(opcode: number, key: string, value: Buffer, extras = Buffer.alloc(0)): Buffer {
  const k = Buffer.from(key);
  const header = Buffer.alloc(24);
  header.writeUInt8(0x80, 0);
  header.writeUInt8(opcode, 1);
  header.writeUInt16BE(k.length, 2);
  header.writeUInt8(extras.length, 4);
  header.writeUInt32BE(extras.length + k.length + value.length, 8);
  return Buffer.concat([header, extras, k, value]);
}

/** Sends the requests in order on one connection; true when every response's status is 0. */
function exchange(host: string, port: number, requests: readonly Buffer[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
    let pending = Buffer.alloc(0);
    let next = 0;
    const send = (): void => {
      const request = requests[next];
      if (request === undefined) {
        socket.end();
        resolve(true);
      } else socket.write(request);
    };
    socket.on('connect', send);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before every response')));
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 24) return;
      const length = 24 + pending.readUInt32BE(8);
      if (pending.length < length) return;
      const status = pending.readUInt16BE(6);
      pending = pending.subarray(length);
      next += 1;
      if (status !== 0) {
        socket.destroy();
        resolve(false);
      } else send();
    });
  });
}

function saslpasswd(dir: string, login: string, password: string, as: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      SASLPASSWD,
      ['-a', 'memcached', '-c', '-p', '-f', join(dir, 'sasldb2'), login],
      { ...as, stdio: ['pipe', 'ignore', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`saslpasswd2 exited with ${code}`)),
    );
    child.stdin.end(password);
  });
}

export const memcached: ProvisionEntry = {
  datastore: 'memcached',
  title: 'memcached',
  binaries: () => [
    { path: SERVER, debianPackage: 'memcached' },
    { path: SASLPASSWD, debianPackage: 'sasl2-bin' },
  ],
  port: 11211,
  target: { kind: 'within', ms: 100 },
  request: (login, password) => ({ users: [{ name: login, password }] }),
  bare: async ({ dir, port, user, login, password }) => {
    await writeFile(
      join(dir, 'memcached.conf'),
      `mech_list: plain\nsasldb_path: ${join(dir, 'sasldb2')}\n`,
      { mode: 0o644 },
    );
    const as = runAs(user, { SASL_CONF_PATH: dir });
    await saslpasswd(dir, login, password, as);
    const args = ['-S', '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64'];
    const server = startServer(SERVER, args, as);
    return server;
  },
  firstQuery: (host, port, login, password) => {
    const auth = frame(OP_SASL_AUTH, 'PLAIN', Buffer.from(`\0${login}\0${password}`));
    const set = frame(OP_SET, 'cellar-bench', Buffer.from('1'), Buffer.alloc(8));
    return poll(`memcached at ${host}:${port}`, () => exchange(host, port, [auth, set]));
  },
};
