// Taking backups through the API with simulated guests and the real local storage: the record's
// life from NEW to COMPLETED with progress on the way, the instance BACKUP meanwhile, the lists
// and their filters, the datastores that cannot, and the quota.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { completes } from '../testing/backup-guests.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';
import type { Json } from '../testing/api-session.js';

let plane: BackupPlane;
before(async () => {
  plane = await startBackupPlane();
});
after(() => plane.close());

/** Takes a backup the guest completes at once; returns its view once COMPLETED. */
async function completedBackup(instance: string, name: string, extra: Json = {}): Promise<Json> {
  plane.take = completes(plane.storages);
  const created = await plane.api('POST', '/backups', { backup: { name, instance, ...extra } });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const id = (created.json['backup'] as Json)['id'] as string;
  return plane.until(`/backups/${id}`, 'backup', (b) => b['status'] === 'COMPLETED', 'COMPLETED');
}

test('a backup goes NEW, BUILDING with its progress while the instance shows BACKUP, then COMPLETED with its size and SHA-256', async () => {
  const instance = await plane.instance('db-flow');
  let release = (): void => undefined;
  plane.take = completes(plane.storages, new Promise<void>((r) => (release = r)));
  const created = await plane.api('POST', '/backups', {
    backup: { name: 'nightly', instance, description: 'before the upgrade' },
  });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const backup = created.json['backup'] as Json;
  assert.equal(backup['status'], 'NEW');
  assert.equal(backup['instance_id'], instance);
  assert.equal(backup['description'], 'before the upgrade');
  assert.equal(backup['storage_driver'], 'local');
  assert.deepEqual(backup['datastore'], {
    type: 'postgresql',
    version: '15',
    version_id: (backup['datastore'] as Json)['version_id'],
  });
  const id = backup['id'] as string;
  const running = await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => (b['progress'] as Json | undefined)?.['bytes'] === 1000,
    'BUILDING with 1000 bytes',
  );
  assert.equal(running['status'], 'BUILDING');
  const shown = await plane.api('GET', `/instances/${instance}`);
  assert.equal((shown.json['instance'] as Json)['status'], 'BACKUP');

  // Another action, another backup and a delete of the instance wait for it: 422.
  const restart = await plane.api('POST', `/instances/${instance}/action`, { restart: {} });
  assert.equal(restart.status, 422, JSON.stringify(restart.json));
  const second = await plane.api('POST', '/backups', { backup: { name: 'two', instance } });
  assert.equal(second.status, 422, JSON.stringify(second.json));
  assert.equal((await plane.api('DELETE', `/instances/${instance}`)).status, 422);
  assert.equal((await plane.api('DELETE', `/backups/${id}`)).status, 422);

  release();
  const done = await plane.until(
    `/backups/${id}`,
    'backup',
    (b) => b['status'] === 'COMPLETED',
    'COMPLETED',
  );
  const bytes = Buffer.byteLength(`rows of backup ${id}\n`);
  assert.equal(done['size_bytes'], bytes);
  assert.equal(done['size'], bytes / 1024 ** 3, 'size in GB as Trove shows it');
  assert.match(String(done['checksum']), /^[0-9a-f]{64}$/);
  assert.equal(typeof done['locationRef'], 'string');
  assert.equal(done['progress'], undefined, 'no progress once it ended');
  assert.equal(done['fault'], undefined);
  await plane.until(
    `/instances/${instance}`,
    'instance',
    (i) => i['status'] === 'ACTIVE',
    'ACTIVE again',
  );
  const objects = await plane.storages.open('local').then(async (s) => {
    const list = await s.list(plane.project, `${instance}/${id}`);
    await s.close();
    return list;
  });
  assert.equal(objects.length, 1, 'the object is in the storage');
});

test('lists: the project, one instance, a datastore by name, and the instance backups resource', async () => {
  const one = await plane.instance('db-list-1');
  const two = await plane.instance('db-list-2');
  const a = await completedBackup(one, 'a');
  const b = await completedBackup(two, 'b');
  const all = await plane.api('GET', '/backups');
  const ids = (all.json['backups'] as Json[]).map((x) => x['id']);
  assert.ok(ids.includes(a['id']) && ids.includes(b['id']));
  assert.ok(ids.indexOf(b['id']) < ids.indexOf(a['id']), 'newest update first');
  const ofOne = await plane.api('GET', `/backups?instance_id=${one}`);
  assert.deepEqual(
    (ofOne.json['backups'] as Json[]).map((x) => x['id']),
    [a['id']],
  );
  const ofInstance = await plane.api('GET', `/instances/${two}/backups`);
  assert.deepEqual(
    (ofInstance.json['backups'] as Json[]).map((x) => x['id']),
    [b['id']],
  );
  const pg = await plane.api('GET', '/backups?datastore=postgresql');
  assert.ok((pg.json['backups'] as Json[]).length >= 2);
  const none = await plane.api('GET', '/backups?datastore=memcached');
  assert.deepEqual(none.json['backups'], []);
  assert.equal((await plane.api('GET', '/instances/nope/backups')).status, 404);
  assert.equal((await plane.api('GET', '/backups/nope')).status, 404);
  const first = await plane.api('GET', '/backups?limit=1');
  assert.deepEqual(
    (first.json['backups'] as Json[]).map((x) => x['id']),
    [b['id']],
  );
  const next = new URL(String((first.json['links'] as Json[])[0]?.['href']));
  assert.equal(next.searchParams.get('marker'), b['id']);
  const second = await plane.api('GET', `/backups?${next.searchParams.toString()}`);
  assert.deepEqual(
    (second.json['backups'] as Json[]).map((x) => x['id']),
    [a['id']],
  );
  const strategies = await plane.api('GET', '/backup_strategies');
  assert.deepEqual(strategies.json, { backup_strategies: [] });
});

test("all_projects lists every project's backups for an administrator and is refused to a member", async () => {
  const instance = await plane.instance('db-projects');
  const mine = await completedBackup(instance, 'admin-only');
  const all = await plane.api('GET', '/backups?all_projects=true');
  assert.equal(all.status, 200);
  assert.ok((all.json['backups'] as Json[]).some((b) => b['id'] === mine['id']));
  const member = plane.member;
  const refused = await plane.api('GET', '/backups?all_projects=true', undefined, member);
  assert.equal(refused.status, 403, JSON.stringify(refused.json));
  const own = await plane.api('GET', '/backups', undefined, member);
  assert.deepEqual(own.json['backups'], []);
  const other = await plane.api('GET', `/backups/${mine['id'] as string}`, undefined, member);
  assert.equal(other.status, 404, "another project's backup is as good as none");
  const gone = await plane.api('DELETE', `/backups/${mine['id'] as string}`, undefined, member);
  assert.equal(gone.status, 404);
});

test('a datastore without the backup capability, or whose backup_strategy is empty, answers 501 naming it', async () => {
  for (const datastore of ['memcached', 'redis']) {
    const created = await plane.api('POST', '/instances', {
      instance: { name: `no-${datastore}`, flavorRef: '2', datastore: { type: datastore } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = (created.json['instance'] as Json)['id'] as string;
    await plane.until(`/instances/${id}`, 'instance', (i) => i['status'] === 'ACTIVE', 'ACTIVE');
    const refused = await plane.api('POST', '/backups', { backup: { name: 'x', instance: id } });
    assert.equal(refused.status, 501);
    assert.match(JSON.stringify(refused.json), new RegExp(`create_backup.*${datastore}`));
    assert.deepEqual((await plane.api('GET', `/instances/${id}/backups`)).json['backups'], []);
  }
});

test('the backups quota is taken with the record and given back by a delete', async () => {
  const instance = await plane.instance('db-quota');
  const used = (await plane.api('GET', `/backups`)).json['backups'] as Json[];
  const put = await plane.api('PUT', `/mgmt/quotas/${plane.project}`, {
    quotas: { backups: used.length + 1 },
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const first = await completedBackup(instance, 'within');
  const over = await plane.api('POST', '/backups', { backup: { name: 'over', instance } });
  assert.equal(over.status, 413, JSON.stringify(over.json));
  assert.match(JSON.stringify(over.json), /backups/);
  assert.equal((await plane.api('DELETE', `/backups/${first['id'] as string}`)).status, 202);
  await completedBackup(instance, 'after-delete');
  await plane.api('PUT', `/mgmt/quotas/${plane.project}`, { quotas: { backups: 50 } });
});
