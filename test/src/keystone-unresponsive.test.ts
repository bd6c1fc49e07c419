// A real deployment's Keystone that accepts connections and never answers: requests must end
// with a 503 naming the identity service after [identity] keystone_timeout, not hang forever.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '@cellar/server/testing';
import { repoRoot } from './support/repo.js';

let silent: Server;
const sockets = new Set<Socket>();
let keystoneUrl: string;
let running: TestControlPlane;

before(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  keystoneUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v3`;
  running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    `identity.keystone_url=${keystoneUrl}`,
    'identity.keystone_password=cellar-service-secret',
    'identity.keystone_timeout=0.5',
  ]);
});
after(async () => {
  await running?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test(
  'requests answer 503 naming the identity service when Keystone accepts and never answers',
  { timeout: 20_000 },
  async () => {
    const answers = await Promise.all(
      ['flavors', 'instances', 'datastores'].map((path) =>
        fetch(`${running.plane.endpoint}/v1.0/some-project/${path}`, {
          headers: { 'x-auth-token': 'a-user-token' },
          signal: AbortSignal.timeout(10_000),
        }),
      ),
    );
    for (const answer of answers) {
      assert.equal(answer.status, 503);
      assert.deepEqual(await answer.json(), {
        serviceUnavailable: {
          code: 503,
          message: `The identity service (Keystone at ${keystoneUrl}) is unavailable: no answer within 0.5 s.`,
        },
      });
    }
  },
);
