// Applying configuration groups to instances of an in-process plane with simulated guests:
// what the guest keeps and applies, RESTART_REQUIRED until a restart, PATCH and PUT, the dry run,
// detach, and a refused value rolled back with the instance's fault saying why.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Json } from '../testing/api-session.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';
import { configurablePolicies } from './test-catalog.js';

let plane: BackupPlane;
before(async () => {
  plane = await startBackupPlane({ datastores: configurablePolicies() });
});
after(() => plane.close());

async function group(values: Json): Promise<string> {
  const created = await plane.api('POST', '/configurations', {
    configuration: { name: 'g', values, datastore: { type: 'postgresql', version: '15' } },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  return String((created.json['configuration'] as Json)['id']);
}

/** The instance's newest operation once it has ended. */
const ended = (id: string) =>
  plane.until(
    `/instances/${id}/operations`,
    'operations',
    (ops) => ['succeeded', 'failed'].includes(String((ops as unknown as Json[])[0]?.['status'])),
    'done with its newest operation',
  );
const show = async (id: string) =>
  (await plane.api('GET', `/instances/${id}`)).json['instance'] as Json;
const guest = (id: string) => plane.compute.overridesOf(id);

test('attaching a group with a restart-required value leaves the instance RESTART_REQUIRED until a restart', async () => {
  const cfg = await group({ max_connections: 150 });
  const id = await plane.instance('restarted');
  const attached = await plane.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } });
  assert.equal(attached.status, 202, JSON.stringify(attached.json));
  await ended(id);
  const waiting = await show(id);
  assert.equal(waiting['status'], 'RESTART_REQUIRED');
  assert.equal((waiting['configuration'] as Json)['id'], cfg);
  assert.equal((waiting['configuration'] as Json)['name'], 'g');
  assert.deepEqual(guest(id)?.kept, { max_connections: 150 });
  assert.equal(guest(id)?.live.size, 0, 'nothing was applied live');
  const again = await plane.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } });
  assert.equal(again.status, 400, 'one group at a time');
  assert.equal((await plane.api('POST', `/instances/${id}/action`, { restart: {} })).status, 202);
  await plane.until(`/instances/${id}`, 'instance', (i) => i['status'] === 'ACTIVE', 'ACTIVE');
});

test('dynamic values apply at once; PATCH merges, PUT replaces, and a dry run changes nothing', async () => {
  const cfg = await group({ work_mem: 4096 });
  const id = await plane.instance('dynamic');
  await plane.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } });
  await ended(id);
  assert.equal((await show(id))['status'], 'ACTIVE');
  assert.equal(guest(id)?.live.get('work_mem'), 4096);

  const dry = await plane.api('PATCH', `/configurations/${cfg}?dry_run=true`, {
    configuration: { values: { max_connections: 300, work_mem: 8192 } },
  });
  assert.equal(dry.status, 200);
  assert.deepEqual(dry.json, {
    dry_run: {
      configuration: cfg,
      instances: [
        {
          id,
          name: 'dynamic',
          restart_required: true,
          changes: [
            { name: 'max_connections', old: null, new: 300, restart_required: true },
            { name: 'work_mem', old: 4096, new: 8192, restart_required: false },
          ],
        },
      ],
    },
  });
  const unchanged = (await plane.api('GET', `/configurations/${cfg}`)).json[
    'configuration'
  ] as Json;
  assert.deepEqual(unchanged['values'], { work_mem: 4096 }, 'the dry run changed nothing');

  const patched = await plane.api('PATCH', `/configurations/${cfg}`, {
    configuration: { values: { max_connections: 300 } },
  });
  assert.equal(patched.status, 200);
  await ended(id);
  assert.equal((await show(id))['status'], 'RESTART_REQUIRED');
  assert.deepEqual(guest(id)?.kept, { max_connections: 300, work_mem: 4096 });

  const put = await plane.api('PUT', `/configurations/${cfg}`, {
    configuration: { values: { work_mem: 1024 } },
  });
  assert.equal(put.status, 202);
  await ended(id);
  assert.deepEqual(guest(id)?.kept, { work_mem: 1024 }, 'PUT replaced every value');
  assert.equal(guest(id)?.live.get('work_mem'), 1024);
});

test('detaching puts the dropped dynamic values back to their defaults at once', async () => {
  const cfg = await group({ work_mem: 2048, jit: false });
  const id = await plane.instance('detached');
  await plane.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } });
  await ended(id);
  const dry = await plane.api('PUT', `/instances/${id}?dry_run=true`, {
    instance: { configuration: null },
  });
  assert.equal(dry.status, 200);
  const dryInstances = (dry.json['dry_run'] as Json)['instances'] as Json[];
  assert.equal(dryInstances[0]?.['restart_required'], false);
  assert.equal(guest(id)?.live.get('jit'), false, 'the dry run left the guest alone');
  const detached = await plane.api('PUT', `/instances/${id}`, {
    instance: { configuration: null },
  });
  assert.equal(detached.status, 202);
  await ended(id);
  assert.deepEqual(guest(id)?.kept, {});
  assert.equal(guest(id)?.live.get('jit'), null);
  assert.equal(guest(id)?.live.get('work_mem'), null);
  const shown = await show(id);
  assert.equal(shown['status'], 'ACTIVE');
  assert.equal(shown['configuration'], undefined);
});

test('a value the server refuses is rolled back on the instance, which keeps its group, and its fault says why', async () => {
  const cfg = await group({ application_name: 'kept' });
  const id = await plane.instance('refused');
  await plane.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } });
  await ended(id);
  const patched = await plane.api('PATCH', `/configurations/${cfg}`, {
    configuration: { values: { application_name: 'please-refuse-me' } },
  });
  assert.equal(patched.status, 200);
  const op = (await ended(id)) as unknown as Json[];
  assert.equal(op[0]?.['status'], 'failed');
  const shown = await show(id);
  assert.equal(shown['status'], 'ACTIVE');
  assert.equal((shown['configuration'] as Json)['id'], cfg);
  assert.match(
    String((shown['fault'] as Json)['message']),
    /could not be applied to instance .*refused application_name = "please-refuse-me".*previous group .* restored/,
  );
  assert.deepEqual(guest(id)?.kept, { application_name: 'kept' });
  assert.equal(guest(id)?.live.get('application_name'), 'kept');

  const fresh = await plane.instance('refused-attach');
  await plane.api('PUT', `/instances/${fresh}`, { instance: { configuration: cfg } });
  await ended(fresh);
  assert.equal((await show(fresh))['configuration'], undefined, 'the attach was undone');
  assert.deepEqual(guest(fresh)?.kept, {});
});

test("a group's memory-like value larger than the instance's flavor RAM is refused at attach", async () => {
  const cfg = await group({ shared_buffers: 300000 });
  const id = await plane.instance('small');
  const refused = await plane.api('PUT', `/instances/${id}`, { instance: { configuration: cfg } });
  assert.equal(refused.status, 422);
  assert.match(
    JSON.stringify(refused.json),
    /shared_buffers: 300000 \(2344 MB\) is more than the 2048 MB of RAM of flavor 2/,
  );
  assert.equal((await show(id))['configuration'], undefined);
});

test("an instance created with a group gets its values in prepare's overrides and shows the group", async () => {
  const cfg = await group({ max_connections: 42, jit: true });
  const id = await plane.instance('born-tuned', { configuration: cfg });
  assert.deepEqual(plane.prepared.get(id)?.overrides, { jit: true, max_connections: 42 });
  assert.equal(((await show(id))['configuration'] as Json)['id'], cfg);
  assert.equal((await show(id))['status'], 'ACTIVE');
});
