// The control plane as three services (cellar-api, cellar-taskmanager, cellar-conductor) talking
// over RabbitMQ with the PostgreSQL control database, all started by the test on loopback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from '@cellar/server/testing';
import { threeServices } from './support/three-services.js';
import { waitFor } from './support/wait-for.js';

const services = threeServices('services');

test('three services over RabbitMQ and PostgreSQL create, serve and delete an instance', async () => {
  await services.start();

  const session = await signIn(services.base, 'admin', 'admin-secret');
  const api = (method: string, path: string, body?: unknown) => session.call(method, path, body);

  const created = await api('POST', '/instances', {
    instance: {
      name: 'split',
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'postgresql' },
      databases: [{ name: 'appdb' }],
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = (created.json['instance'] as { id: string }).id;
  // The API keeps lists while the database does not change: what the taskmanager and conductor
  // write from their own processes must show in the next list.
  const listed = async () =>
    ((await api('GET', '/instances/detail')).json['instances'] as Record<string, unknown>[]).find(
      (i) => i['id'] === id,
    );
  const instance = await waitFor(
    async () => {
      const found = await listed();
      return found?.['status'] !== 'BUILD' && found;
    },
    { timeout: 10_000, what: 'the create to end, as the list shows it' },
  );
  assert.deepEqual([instance['status'], instance['operating_status']], ['ACTIVE', 'HEALTHY']);
  const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Record<string, unknown>;
  assert.deepEqual([shown['status'], shown['operating_status']], ['ACTIVE', 'HEALTHY']);
  assert.deepEqual(
    (await api('GET', `/instances/${id}/databases`)).json,
    { databases: [{ name: 'appdb' }] },
    'the API reaches the guest over RabbitMQ',
  );

  assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
  await waitFor(async () => (await api('GET', `/instances/${id}`)).status === 404, {
    timeout: 10_000,
    what: 'the deleted instance to answer 404',
  });
  assert.equal(await listed(), undefined);
});

test('when RabbitMQ goes away, every service says so and exits non-zero, for its supervisor to restart it', async () => {
  const exits = services.children.map(
    (child) =>
      new Promise<number | null>((resolve) =>
        child.exitCode !== null
          ? resolve(child.exitCode)
          : child.once('exit', (code) => resolve(code)),
      ),
  );
  const said = services.children.map((child) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    return () => err;
  });
  await services.broker.stop();
  const codes = await Promise.all(exits);
  assert.deepEqual(codes, [1, 1, 1]);
  for (const text of said)
    assert.match(text(), /stopping: The connection to the message broker was lost: /);
});
