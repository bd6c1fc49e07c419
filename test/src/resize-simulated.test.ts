// Resize through the API with the simulated compute driver: the action's rules (grow only, another
// flavor, one action, unknown actions named), the quota taken when a resize starts and given back
// when it fails, and a failed flavor resize leaving the instance ACTIVE with its old flavor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Json } from '@cellar/server/testing';
import { pgInstance as pg, simulatedPlaneOfFile } from './support/simulated-plane.js';

const plane = simulatedPlaneOfFile();
const { api, until } = plane;

const message = (answer: { json: Json }): string =>
  String((Object.values(answer.json)[0] as Json | undefined)?.['message']);

/** The project's use of a quota resource. */
async function inUse(resource: string): Promise<number> {
  const quotas = (await api('GET', `/mgmt/quotas/${plane.project}`)).json['quotas'] as Json[];
  return Number(quotas.find((q) => q['resource'] === resource)?.['in_use']);
}

async function activeInstance(name: string): Promise<string> {
  const created = await api('POST', '/instances', pg({ name }));
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = (created.json['instance'] as Json)['id'] as string;
  await until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  return id;
}

const settled = (i: Json): boolean => i['status'] === 'ACTIVE' || i['status'] === 'ERROR';

test('an unknown action answers 400 naming it and the actions Cellar knows, not a schema error', async () => {
  const id = await activeInstance('unknown-action');
  const unknown = await api('POST', `/instances/${id}/action`, { frobnicate: {} });
  assert.equal(unknown.status, 400);
  assert.match(
    message(unknown),
    /Unknown action 'frobnicate': Cellar knows restart, reset_status, resize/,
  );
  assert.doesNotMatch(message(unknown), /anyOf/);
  const two = await api('POST', `/instances/${id}/action`, { restart: {}, resize: {} });
  assert.equal(two.status, 400);
  assert.match(message(two), /exactly one action, not restart and resize/);
  const none = await api('POST', `/instances/${id}/action`, {});
  assert.equal(none.status, 400);
  assert.match(message(none), /exactly one action, not none/);
  await api('DELETE', `/instances/${id}`);
});

test('a volume grows only, its quota taken as the resize starts, and the detail shows the new size', async () => {
  const id = await activeInstance('grow');
  const before = await inUse('volumes');
  for (const size of [1, 0.5]) {
    const refused = await api('POST', `/instances/${id}/action`, { resize: { volume: { size } } });
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
  }
  const same = await api('POST', `/instances/${id}/action`, { resize: { volume: { size: 1 } } });
  assert.match(
    message(same),
    /is 1 GB: a resize must ask for more \(volumes only grow\), not 1 GB/,
  );
  const both = await api('POST', `/instances/${id}/action`, {
    resize: { volume: { size: 2 }, flavorRef: '3' },
  });
  assert.equal(both.status, 400);

  const grow = await api('POST', `/instances/${id}/action`, { resize: { volume: { size: 3 } } });
  assert.equal(grow.status, 202, JSON.stringify(grow.json));
  assert.equal(await inUse('volumes'), before + 2, 'the added 2 GB are taken at once');
  const grown = await until(
    id,
    (i) => settled(i) && (i['volume'] as Json)['size'] === 3,
    'the volume of 3 GB',
  );
  assert.equal(grown['status'], 'ACTIVE');
  const ops = (await api('GET', `/instances/${id}/operations`)).json['operations'] as Json[];
  assert.equal(ops[0]?.['kind'], 'resize_volume');
  assert.deepEqual(
    (ops[0]?.['steps'] as Json[]).map((s) => [s['name'], s['status']]),
    [
      ['stop-database', 'succeeded'],
      ['grow-volume', 'succeeded'],
      ['start-database', 'succeeded'],
      ['wait-for-guest', 'succeeded'],
    ],
  );
  await api('DELETE', `/instances/${id}`);
});

test('a volume resize beyond the quota answers 413 and starts nothing', async () => {
  const id = await activeInstance('over-quota');
  const limit = (await inUse('volumes')) + 1;
  assert.equal(
    (await api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { volumes: limit } })).status,
    200,
  );
  try {
    const over = await api('POST', `/instances/${id}/action`, { resize: { volume: { size: 3 } } });
    assert.equal(over.status, 413, JSON.stringify(over.json));
    assert.match(message(over), /Quota exceeded for resources: \['volumes'\]/);
    const shown = (await api('GET', `/instances/${id}`)).json['instance'] as Json;
    assert.equal(shown['status'], 'ACTIVE');
    assert.equal((shown['volume'] as Json)['size'], 1);
    const ops = (await api('GET', `/instances/${id}/operations`)).json['operations'] as Json[];
    assert.deepEqual(
      ops.map((o) => o['kind']),
      ['create'],
    );
    const fits = await api('POST', `/instances/${id}/action`, { resize: { volume: { size: 2 } } });
    assert.equal(fits.status, 202, 'the last gigabyte of the quota may be taken');
    await until(id, (i) => settled(i) && (i['volume'] as Json)['size'] === 2, '2 GB');
  } finally {
    await api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { volumes: 40 } });
    await api('DELETE', `/instances/${id}`);
  }
});

test('a flavor resize records the new flavor; one the guest cannot start with leaves the old flavor, a fault, and the RAM given back', async () => {
  const id = await activeInstance('flavor');
  const same = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '2' } });
  assert.equal(same.status, 400);
  assert.match(message(same), /already has flavor 2/);
  const unknown = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '99' } });
  assert.equal(unknown.status, 400);
  assert.match(message(unknown), /Flavor 99 does not exist/);

  const ram = await inUse('ram');
  const larger = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '3' } });
  assert.equal(larger.status, 202, JSON.stringify(larger.json));
  const resized = await until(
    id,
    (i) => settled(i) && (i['flavor'] as Json)['id'] === '3',
    'flavor 3',
  );
  assert.equal(resized['status'], 'ACTIVE');
  assert.equal(await inUse('ram'), ram + 2048, 'm1.medium has 2048 MB more than m1.small');

  // m1.xlarge asks for more RAM than the simulated host has: its guest refuses to start with it.
  const tooLarge = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '5' } });
  assert.equal(tooLarge.status, 202);
  const failed = await until(
    id,
    (i) => settled(i) && i['fault'] !== undefined,
    'the failed resize',
  );
  assert.equal(failed['status'], 'ACTIVE');
  assert.equal((failed['flavor'] as Json)['id'], '3', 'the old flavor stays');
  assert.match(
    String((failed['fault'] as Json)['message']),
    /did not complete, and it keeps its flavor 3 \(4096 MB of RAM\): .*8192 MB of RAM, not 16384/,
  );
  assert.equal(await inUse('ram'), ram + 2048, "the failed resize's RAM is given back");

  const smaller = await api('POST', `/instances/${id}/action`, { resize: { flavorRef: '1' } });
  assert.equal(smaller.status, 202);
  await until(id, (i) => settled(i) && (i['flavor'] as Json)['id'] === '1', 'flavor 1');
  assert.equal(await inUse('ram'), ram - 1536, 'a smaller flavor frees RAM once applied');
  await api('DELETE', `/instances/${id}`);
});
