// Restoring a backup into a new instance: what is refused up front (409 for a backup that cannot
// be used, 404 for none, 400 for a bad time), and the chain, or the point in time, that reaches the
// guest's prepare, without a root password of its own.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Json } from '../testing/api-session.js';
import { completes, failsWith } from '../testing/backup-guests.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';
import { withStorage } from './storages.js';

let plane: BackupPlane;
let source: string;
let full: Json;
let incremental: Json;
before(async () => {
  plane = await startBackupPlane();
  source = await plane.instance('db-source');
  full = await backup(source);
  incremental = await backup(source, { parent_id: full['id'] });
});
after(() => plane.close());

async function backup(instance: string, extra: Json = {}, fails = false): Promise<Json> {
  plane.take = fails ? failsWith('CELLAR_BACKUP_FAILED', 'no') : completes(plane.storages);
  const created = await plane.api('POST', '/backups', {
    backup: { name: 'b', instance, ...extra },
  });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const id = (created.json['backup'] as Json)['id'] as string;
  const want = fails ? 'FAILED' : 'COMPLETED';
  return plane.until(`/backups/${id}`, 'backup', (b) => b['status'] === want, want);
}

/** A create restoring `restorePoint`, of `datastore` (PostgreSQL unless named). */
const restoring = (restorePoint: Json, datastore = 'postgresql', size = 1) =>
  plane.api('POST', '/instances', {
    instance: {
      name: 'restored',
      flavorRef: '2',
      volume: { size },
      datastore: { type: datastore },
      restorePoint,
    },
  });

test('a restore from an incremental hands the whole chain to the guest prepare, without a root password', async () => {
  const created = await restoring({ backupRef: incremental['id'] });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const instance = created.json['instance'] as Json;
  assert.equal(instance['password'], undefined, 'root_on_create is not applied to a restore');
  await plane.until(
    `/instances/${instance['id'] as string}`,
    'instance',
    (i) => i['status'] === 'ACTIVE',
    'ACTIVE',
  );
  const shown = await plane.api('GET', `/instances/${instance['id'] as string}`);
  assert.deepEqual((shown.json['instance'] as Json)['restore_point'], {
    backup_id: incremental['id'],
  });
  const plain = await plane.api('GET', `/instances/${source}`);
  assert.equal((plain.json['instance'] as Json)['restore_point'], undefined);
  const request = plane.prepared.get(instance['id'] as string);
  assert.equal(request?.rootPassword, undefined);
  const top = request?.backupInfo;
  assert.equal(top?.id, incremental['id']);
  assert.equal(top?.location, incremental['locationRef']);
  assert.equal(top?.checksum, incremental['checksum']);
  assert.equal(top?.size, incremental['size_bytes']);
  assert.equal(top?.storage, 'local');
  assert.equal(top?.type, 'pg_basebackup');
  assert.equal(top?.compression, 'gzip');
  assert.equal(top?.instanceId, source);
  assert.equal(top?.restoreTime, undefined);
  assert.equal(top?.parent?.id, full['id']);
  assert.equal(top?.parent?.checksum, full['checksum']);
  assert.deepEqual(top?.parent?.meta, { lsn: `0/${String(full['id']).slice(0, 4)}`, parent: null });
  assert.equal(top?.parent?.parent, undefined);
});

test('restoring a FAILED backup, another datastore, a gone object or an unknown backup is refused up front', async () => {
  const failed = await backup(source, {}, true);
  const notComplete = await restoring({ backupRef: failed['id'] });
  assert.equal(notComplete.status, 409, JSON.stringify(notComplete.json));
  assert.match(JSON.stringify(notComplete.json), /FAILED/);
  const mismatch = await restoring({ backupRef: full['id'] }, 'mysql');
  assert.equal(mismatch.status, 409, JSON.stringify(mismatch.json));
  assert.match(JSON.stringify(mismatch.json), /postgresql backup.*mysql/);
  assert.equal((await restoring({ backupRef: 'no-such-backup' })).status, 404);

  const lost = await backup(source);
  await withStorage(plane.storages, 'local', (s) => s.delete(lost['locationRef'] as string));
  const objectGone = await restoring({ backupRef: lost['id'] });
  assert.equal(objectGone.status, 409, JSON.stringify(objectGone.json));
  assert.match(JSON.stringify(objectGone.json), /object is gone/);
  await plane.api('DELETE', `/backups/${lost['id'] as string}`);

  await plane.control.db
    .updateTable('backups')
    .set({ size: 3 * 1024 ** 3 })
    .where('id', '=', full['id'] as string)
    .execute();
  const tooLarge = await restoring({ backupRef: full['id'] });
  await plane.control.db
    .updateTable('backups')
    .set({ size: full['size_bytes'] as number })
    .where('id', '=', full['id'] as string)
    .execute();
  assert.equal(tooLarge.status, 400, JSON.stringify(tooLarge.json));
  assert.match(JSON.stringify(tooLarge.json), /too small/);
});

test('restore_time restores the latest full backup finished before it and passes the time on', async () => {
  const time = new Date().toISOString();
  const created = await restoring({ instance: source, restore_time: time });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = (created.json['instance'] as Json)['id'] as string;
  await plane.until(`/instances/${id}`, 'instance', (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  const top = plane.prepared.get(id)?.backupInfo;
  assert.equal(top?.id, full['id'], 'the full backup, not the incremental on it');
  assert.equal(top?.restoreTime, time);
  const shown = await plane.api('GET', `/instances/${id}`);
  assert.deepEqual((shown.json['instance'] as Json)['restore_point'], {
    backup_id: full['id'],
    restore_time: time,
  });

  const before = await restoring({ instance: source, restore_time: '2001-01-01T00:00:00Z' });
  assert.equal(before.status, 409, JSON.stringify(before.json));
  assert.match(JSON.stringify(before.json), /No COMPLETED full backup/);
  const bad = await restoring({ instance: source, restore_time: 'yesterday' });
  assert.equal(bad.status, 400, JSON.stringify(bad.json));
  const nothing = await restoring({ restore_time: time });
  assert.equal(nothing.status, 400, JSON.stringify(nothing.json));
});
