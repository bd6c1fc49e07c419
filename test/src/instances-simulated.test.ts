// The control plane end to end with the simulated compute driver: an instance's life through the
// API (create, rename, restart, delete), its failures, refused requests, actions and paging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Json } from '@cellar/server/testing';
import { waitFor } from './support/wait-for.js';
import { pgInstance as pg, simulatedPlaneOfFile } from './support/simulated-plane.js';

const plane = simulatedPlaneOfFile();
const { api, until } = plane;

/** The instance's operations, newest first, from its timeline resource. */
async function operations(id: string): Promise<Json[]> {
  const answer = await api('GET', `/instances/${id}/operations`);
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return answer.json['operations'] as Json[];
}

test('create with a database and a user: BUILD at once, then ACTIVE/HEALTHY, with every step of the operation recorded', async () => {
  const created = await api(
    'POST',
    '/instances',
    pg({
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: 'app-pw', databases: [{ name: 'appdb' }] }],
    }),
  );
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const instance = created.json['instance'] as Json;
  assert.equal(instance['status'], 'BUILD');
  assert.equal(instance['operating_status'], '');
  assert.deepEqual(instance['datastore'], {
    type: 'postgresql',
    version: '15',
    version_number: '15',
  });
  const ready = await until(instance['id'] as string, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  assert.equal(ready['operating_status'], 'HEALTHY');
  assert.match(String((ready['ip'] as string[])[0]), /^127\.42\./);
  assert.equal(ready['operation'], undefined, 'the instance body keeps to short fields');
  const [op] = await operations(instance['id'] as string);
  assert.ok(op);
  assert.equal(op['kind'], 'create');
  assert.equal(op['status'], 'succeeded');
  assert.deepEqual(
    (op['steps'] as Json[]).map((s) => [s['name'], s['status']]),
    [
      ['network', 'succeeded'],
      ['volume', 'succeeded'],
      ['server', 'succeeded'],
      ['prepare', 'succeeded'],
      ['wait-for-guest', 'succeeded'],
    ],
  );

  const list = await api('GET', '/instances');
  assert.ok(
    (list.json['instances'] as Json[]).some(
      (i) => i['id'] === instance['id'] && i['status'] === 'ACTIVE',
    ),
  );
  const detail = await api('GET', '/instances/detail');
  assert.ok(
    (detail.json['instances'] as Json[]).some((i) => i['id'] === instance['id'] && i['created']),
  );

  assert.equal(
    (await api('PUT', `/instances/${instance['id'] as string}`, { instance: { name: 'renamed' } }))
      .status,
    202,
  );
  assert.equal(
    ((await api('GET', `/instances/${instance['id'] as string}`)).json['instance'] as Json)['name'],
    'renamed',
  );

  assert.equal(
    (await api('POST', `/instances/${instance['id'] as string}/action`, { restart: {} })).status,
    202,
  );
  await waitFor(
    async () => {
      const [newest] = await operations(instance['id'] as string);
      return newest?.['kind'] === 'restart' && newest['status'] === 'succeeded';
    },
    { timeout: 15_000, what: 'the restart operation to succeed' },
  );
  const restarted = await until(
    instance['id'] as string,
    (i) => i['status'] === 'ACTIVE',
    'ACTIVE',
  );
  assert.equal(restarted['operating_status'], 'HEALTHY');

  assert.equal((await api('DELETE', `/instances/${instance['id'] as string}`)).status, 202);
  await until(instance['id'] as string, (i) => i['gone'] === true, 'deleted');
});

test('a guest that fails to prepare leaves the instance in ERROR with the reason, never in BUILD', async () => {
  const created = await api('POST', '/instances', pg({ name: 'broken-1' }));
  assert.equal(created.status, 200);
  const failed = await until(
    (created.json['instance'] as Json)['id'] as string,
    (i) => i['status'] === 'ERROR',
    'ERROR',
  );
  assert.match(
    String((failed['fault'] as Json)['message']),
    /server of instance .* failed to start: the simulated postgresql server failed to start/,
  );
  const [op] = await operations((created.json['instance'] as Json)['id'] as string);
  assert.ok(op);
  assert.equal(op['status'], 'failed');
  assert.equal((op['error'] as Json)['code'], 'CELLAR_GUEST_PREPARE_FAILED');
  assert.equal((op['steps'] as Json[]).at(-1)?.['status'], 'failed');
  assert.equal(
    (await api('DELETE', `/instances/${(created.json['instance'] as Json)['id'] as string}`))
      .status,
    202,
    'an instance in ERROR can be deleted',
  );
});

test('bad requests are refused naming what is wrong, and write nothing', async () => {
  const before = (await api('GET', '/instances')).json['instances'] as Json[];
  const unknownField = await api('POST', '/instances', {
    instance: { name: 'x', flavorRef: '1', volume: { size: 1 }, colour: 'blue' },
  });
  assert.equal(unknownField.status, 400);
  assert.match(JSON.stringify(unknownField.json), /unknown field 'colour'/);
  const noDatastore = await api('POST', '/instances', pg({ datastore: { type: 'oracle' } }));
  assert.deepEqual(noDatastore.json, {
    itemNotFound: {
      code: 404,
      message: 'Datastore oracle cannot be found; this deployment offers mysql, postgresql, redis.',
    },
  });
  const noFlavor = await api('POST', '/instances', pg({ flavorRef: '99' }));
  assert.equal(noFlavor.status, 404);
  const badName = await api('POST', '/instances', pg({ databases: [{ name: 'drop table;' }] }));
  assert.equal(badName.status, 400);
  assert.match(
    JSON.stringify(badName.json),
    /databases\[0\]\.name: 'drop table;' is not a valid postgresql database name/,
  );
  const unknownGroup = await api('POST', '/instances', pg({ configuration: 'group-1' }));
  assert.deepEqual(unknownGroup.json, {
    itemNotFound: { code: 404, message: 'Configuration group group-1 cannot be found.' },
  });
  const unknownBackup = await api('POST', '/instances', pg({ restorePoint: { backupRef: 'b1' } }));
  assert.deepEqual(unknownBackup.json, {
    itemNotFound: { code: 404, message: 'Backup b1 cannot be found.' },
  });
  const noVolume = await api('POST', '/instances', {
    instance: { name: 'x', flavorRef: '1', datastore: { type: 'postgresql' } },
  });
  assert.equal(noVolume.status, 400);
  const after = (await api('GET', '/instances')).json['instances'] as Json[];
  assert.deepEqual(
    after.filter((i) => !before.some((b) => b['id'] === i['id'])),
    [],
    'no instance was created by a refused request',
  );
});

test('a busy instance refuses a restart with 422, as Trove does', async () => {
  const created = await api('POST', '/instances', pg({ name: 'busy' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  const refused = await api('POST', `/instances/${id}/action`, { restart: {} });
  assert.equal(refused.status, 422);
  assert.match(
    String((refused.json['unprocessableEntity'] as Json | undefined)?.['message']),
    /is not currently available for an action to be performed \(task status was BUILDING\)/,
  );
  await until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  await api('DELETE', `/instances/${id}`);
});

test('admin_token acts as an admin of any project; reset_status is admin-only; /volume-types lists the local type', async () => {
  const asAdminToken = await fetch(`${plane.base}/v1.0/some-other-project/instances`, {
    headers: { 'x-auth-token': 'static-admin-token-for-tests' },
  });
  assert.equal(asAdminToken.status, 200);
  assert.deepEqual(await asAdminToken.json(), { instances: [] });
  assert.equal(
    (
      await fetch(`${plane.base}/v1.0/${plane.project}/instances`, {
        headers: { 'x-auth-token': 'static-admin-token-for-tests-not' },
      })
    ).status,
    401,
  );

  const created = await api('POST', '/instances', pg({ name: 'to-reset' }));
  const id = (created.json['instance'] as Json)['id'] as string;
  await until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  assert.equal((await api('POST', `/instances/${id}/action`, { reset_status: {} })).status, 202);
  const reset = await until(id, (i) => i['operating_status'] === 'ERROR', 'reset');
  assert.equal(reset['status'], 'ACTIVE');
  assert.equal(
    (await api('POST', `/instances/${id}/action`, { reset_status: {}, restart: {} })).status,
    400,
    'one action at a time',
  );
  await api('DELETE', `/instances/${id}`);

  assert.deepEqual((await api('GET', '/volume-types')).json, {
    volume_types: [
      {
        id: 'local',
        name: 'local',
        is_public: true,
        description: "A directory on the instance's host, sized by volume.size",
      },
    ],
  });
});

test('lists page with limit and marker and a next link; nics, volume type, zone and locality are recorded', async () => {
  const ids: string[] = [];
  for (const name of ['page-a', 'page-b', 'page-c']) {
    const created = await api(
      'POST',
      '/instances',
      pg({
        name,
        availability_zone: 'nova',
        locality: 'anti-affinity',
        nics: [{ 'net-id': 'n1' }],
        volume: { size: 1, type: 'local' },
      }),
    );
    assert.equal(created.status, 200, JSON.stringify(created.json));
    ids.push((created.json['instance'] as Json)['id'] as string);
  }
  const first = await api('GET', '/instances?limit=2');
  const page1 = first.json['instances'] as Json[];
  assert.equal(page1.length, 2);
  const next = ((first.json['links'] as Json[])[0] as Json)['href'] as string;
  assert.match(next, /\/instances\?limit=2&marker=/);
  const second = await api('GET', next.slice(next.indexOf('/instances')));
  const seen = [...page1, ...(second.json['instances'] as Json[])].map((i) => i['id']);
  for (const id of ids) assert.ok(seen.includes(id), `${id} is on one of the pages`);
  assert.equal(new Set(seen).size, seen.length, 'no instance on two pages');
  const shown = (await api('GET', `/instances/${ids[0] ?? ''}`)).json['instance'] as Json;
  assert.equal(shown['locality'], 'anti-affinity');
  assert.equal((await api('GET', '/instances?marker=nonsense')).status, 400);
  for (const id of ids) await api('DELETE', `/instances/${id}`);
});
