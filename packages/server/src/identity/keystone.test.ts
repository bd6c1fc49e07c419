import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { KeystoneValidator, type KeystoneSettings } from './keystone.js';

/** A "Keystone" that accepts connections and never answers a byte. */
let silent: Server;
const sockets = new Set<Socket>();
let url: string;

before(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v3`;
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const settings = (timeoutSeconds: number): KeystoneSettings => ({
  url,
  username: 'cellar',
  password: 'cellar-service-secret',
  projectName: 'service',
  domainName: 'Default',
  cacheSeconds: 10,
  timeoutSeconds,
});

test(
  'a Keystone that accepts and never answers gives a 503 naming the identity service after the timeout',
  { timeout: 10_000 },
  async () => {
    const validator = new KeystoneValidator(settings(0.3));
    const started = Date.now();
    await assert.rejects(validator.validate('a-user-token'), (e: unknown) => {
      const error = e as { status?: number; fault?: string; message?: string };
      assert.equal(error.status, 503);
      assert.equal(error.fault, 'serviceUnavailable');
      assert.equal(
        error.message,
        `The identity service (Keystone at ${url}) is unavailable: no answer within 0.3 s.`,
      );
      return true;
    });
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 5000, `answered after ${waited} ms`);
  },
);

test('a Keystone nobody listens for is a 503 naming the identity service, not a 500', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const address = closed.address();
  await new Promise((resolve) => closed.close(resolve));
  const gone = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v3`;
  const validator = new KeystoneValidator({ ...settings(5), url: gone });
  await assert.rejects(validator.validate('a-user-token'), (e: unknown) => {
    const error = e as { status?: number; message?: string };
    assert.equal(error.status, 503);
    assert.match(
      error.message ?? '',
      new RegExp(`^The identity service \\(Keystone at ${gone}\\) is unavailable: .*ECONNREFUSED`),
    );
    return true;
  });
});
