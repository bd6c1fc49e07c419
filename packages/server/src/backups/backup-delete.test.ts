// Incremental chains and deleting backups: each incremental is told its parent chain, a delete
// takes the incrementals built on a backup first, an object already gone is no error, and a storage
// that refuses leaves the backup DELETE_FAILED until a repeated delete succeeds.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '@cellar/plugin-api';
import type { Json } from '../testing/api-session.js';
import { completes, failsWith, storedKeys } from '../testing/backup-guests.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';
import { withStorage } from './storages.js';

let plane: BackupPlane;
const told: BackupInfo[] = [];
before(async () => {
  plane = await startBackupPlane();
});
after(() => plane.close());

/** Takes a backup the guest completes (or fails with `fails`); returns its view once it ended. */
async function backup(instance: string, extra: Json = {}, fails = false): Promise<Json> {
  const take = fails ? failsWith('CELLAR_BACKUP_FAILED', 'no') : completes(plane.storages);
  plane.take = async (info, conductor) => {
    told.push(info);
    await take(info, conductor);
  };
  const created = await plane.api('POST', '/backups', {
    backup: { name: 'b', instance, ...extra },
  });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const id = (created.json['backup'] as Json)['id'] as string;
  const want = fails ? 'FAILED' : 'COMPLETED';
  return plane.until(`/backups/${id}`, 'backup', (b) => b['status'] === want, want);
}

const gone = async (id: string): Promise<boolean> =>
  (await plane.api('GET', `/backups/${id}`)).status === 404;

test('incrementals are told their chain, and deleting the full backup deletes them first', async () => {
  const instance = await plane.instance('db-chain');
  const full = await backup(instance);
  const first = await backup(instance, { parent_id: full['id'] });
  const second = await backup(instance, { incremental: 1 });
  assert.equal(first['parent_id'], full['id']);
  assert.equal(
    second['parent_id'],
    first['id'],
    'incremental alone builds on the latest COMPLETED',
  );
  const info = told.at(-1);
  assert.equal(info?.parent?.id, first['id']);
  assert.equal(info?.parent?.parent?.id, full['id']);
  assert.equal(info?.parent?.parent?.checksum, full['checksum']);
  assert.equal(info?.parent?.parent?.location, full['locationRef']);
  assert.deepEqual(info?.parent?.meta, {
    lsn: `0/${String(first['id']).slice(0, 4)}`,
    parent: full['id'],
  });
  assert.equal(info?.type, 'pg_basebackup');

  plane.deletions.length = 0;
  assert.equal((await plane.api('DELETE', `/backups/${full['id'] as string}`)).status, 202);
  assert.deepEqual(plane.deletions, [
    second['locationRef'],
    first['locationRef'],
    full['locationRef'],
  ]);
  for (const b of [full, first, second]) assert.ok(await gone(b['id'] as string));
  assert.deepEqual(await storedKeys(plane.storages, plane.project, instance), []);
});

test('an incremental needs a COMPLETED parent of the same instance; incremental alone with none is a full backup', async () => {
  const instance = await plane.instance('db-parents');
  const other = await plane.instance('db-parents-other');
  const alone = await backup(instance, { incremental: true });
  assert.equal(alone['parent_id'], null);
  const failed = await backup(instance, {}, true);
  const ofOther = await backup(other);
  for (const parent of [failed, ofOther]) {
    const refused = await plane.api('POST', '/backups', {
      backup: { name: 'i', instance, parent_id: parent['id'] },
    });
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.match(JSON.stringify(refused.json), new RegExp(String(parent['id'])));
  }
  const unknown = await plane.api('POST', '/backups', {
    backup: { name: 'i', instance, parent_id: 'no-such-backup' },
  });
  assert.equal(unknown.status, 404);
});

test('deleting a backup whose object is already gone succeeds', async () => {
  const instance = await plane.instance('db-gone');
  const b = await backup(instance);
  await withStorage(plane.storages, 'local', (s) => s.delete(b['locationRef'] as string));
  assert.equal((await plane.api('DELETE', `/backups/${b['id'] as string}`)).status, 202);
  assert.ok(await gone(b['id'] as string));
  assert.equal((await plane.api('DELETE', `/backups/${b['id'] as string}`)).status, 404);
});

test('a storage that refuses the delete leaves the backup DELETE_FAILED with why; deleting again succeeds', async () => {
  const instance = await plane.instance('db-refused');
  const b = await backup(instance);
  const id = b['id'] as string;
  plane.refuseDeletes = true;
  const refused = await plane.api('DELETE', `/backups/${id}`);
  plane.refuseDeletes = false;
  assert.equal(refused.status, 503, JSON.stringify(refused.json));
  assert.match(JSON.stringify(refused.json), /DELETE_FAILED/);
  const shown = (await plane.api('GET', `/backups/${id}`)).json['backup'] as Json;
  assert.equal(shown['status'], 'DELETE_FAILED');
  assert.equal((shown['fault'] as Json)['code'], 'CELLAR_BACKUP_STORAGE_REFUSED');
  assert.match(String((shown['fault'] as Json)['message']), /permission denied/);
  assert.equal((await plane.api('DELETE', `/backups/${id}`)).status, 202);
  assert.ok(await gone(id));
});
