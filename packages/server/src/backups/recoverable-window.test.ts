// The recoverable window through the API, with a datastore whose point-in-time hook reads the
// archive's keys: shown on one instance's detail (kept a few seconds, an error when the storage
// cannot be listed), and restore times outside it refused up front, the source deleted or not.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { PointInTimeRecovery } from '@cellar/plugin-api';
import type { Json } from '../testing/api-session.js';
import { completes } from '../testing/backup-guests.js';
import { startBackupPlane, type BackupPlane } from '../testing/backup-plane.js';
import { withStorage } from './storages.js';

const EARLIEST = new Date(Date.now() - 3600_000).toISOString();

/**
 * An archive whose object keys end in the time they reach (ms) or `gap-<name>`: one span from
 * EARLIEST to the latest time when there is a full backup, none otherwise.
 */
const archive: PointInTimeRecovery = {
  objectPrefix: (id) => `wal/${id}/`,
  window: (objects, fullBackups) => {
    const names = objects.map((o) => o.key.slice(o.key.lastIndexOf('/') + 1));
    const times = names.filter((n) => /^\d+$/.test(n)).map(Number);
    const latest = times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined;
    return {
      spans: fullBackups.length > 0 && latest ? [{ earliest: EARLIEST, latest }] : [],
      gaps: names.filter((n) => n.startsWith('gap-')).map((n) => n.slice(4)),
    };
  },
};

let plane: BackupPlane;
before(async () => {
  plane = await startBackupPlane({ pointInTime: archive });
  plane.take = completes(plane.storages);
});
after(() => plane.close());

/** Stores an archive object of `instance` named `name`. */
const archived = (instance: string, name: string | number) =>
  withStorage(plane.storages, 'local', (s) =>
    s.put(Readable.from(['wal']), { project: plane.project, key: `wal/${instance}/${name}` }),
  );

/** An instance with a full backup and an archive reaching `now`; returns its id and that time. */
async function archiving(name: string): Promise<{ id: string; latest: number }> {
  const id = await plane.instance(name);
  const created = await plane.api('POST', '/backups', { backup: { name: 'full', instance: id } });
  assert.equal(created.status, 202, JSON.stringify(created.json));
  const backup = (created.json['backup'] as Json)['id'] as string;
  await plane.until(`/backups/${backup}`, 'backup', (b) => b['status'] === 'COMPLETED', 'done');
  const latest = Date.now();
  await archived(id, latest);
  return { id, latest };
}

const windowOf = async (id: string): Promise<unknown> =>
  ((await plane.api('GET', `/instances/${id}`)).json['instance'] as Json)['recoverable_window'];

const restoring = (instance: string, time: number) =>
  plane.api('POST', '/instances', {
    instance: {
      name: 'restored',
      flavorRef: '2',
      volume: { size: 1 },
      datastore: { type: 'postgresql' },
      restorePoint: { instance, restore_time: new Date(time).toISOString() },
    },
  });

const instanceCount = async (): Promise<number> =>
  ((await plane.api('GET', '/instances')).json['instances'] as Json[]).length;

/** The detail's window once it reaches `latest` (polled while the instance was made, it was kept). */
async function shownWindow(id: string, latest: number): Promise<{ spans: Json[]; gaps: string[] }> {
  const shown = await plane.until(
    `/instances/${id}`,
    'instance',
    (i) => JSON.stringify(i['recoverable_window']).includes(new Date(latest).toISOString()),
    'the window of its archive',
  );
  return shown['recoverable_window'] as { spans: Json[]; gaps: string[] };
}

test('the instance detail shows the recoverable window of its archive, kept a few seconds, and lists do not', async () => {
  const { id, latest } = await archiving('shown');
  const window = await shownWindow(id, latest);
  assert.equal(window.spans.length, 1, JSON.stringify(window));
  assert.equal(window.spans[0]?.['latest'], new Date(latest).toISOString());
  assert.deepEqual(window.gaps, []);
  const listed = (await plane.api('GET', '/instances/detail')).json['instances'] as Json[];
  assert.equal(
    listed.some((i) => 'recoverable_window' in i),
    false,
  );

  await archived(id, 'gap-000000010000000000000007');
  assert.deepEqual(await windowOf(id), window, 'kept, not listed again');
  await plane.until(
    `/instances/${id}`,
    'instance',
    (i) => JSON.stringify(i['recoverable_window']).includes('000000010000000000000007'),
    'the gap shown once the kept window expired',
  );
});

test('the window starts when its full backup was COMPLETED, so its earliest time can be restored', async () => {
  const { id, latest } = await archiving('from-completion');
  const earliest = Date.parse(String((await shownWindow(id, latest)).spans[0]?.['earliest']));
  assert.ok(earliest > Date.parse(EARLIEST), 'not before the backup was finished');
  const created = await restoring(id, earliest);
  assert.equal(created.status, 200, JSON.stringify(created.json));
  assert.equal((await restoring(id, earliest - 1)).status, 400);
});

test('a storage that cannot be listed shows recoverable_window.error and the detail still answers', async () => {
  plane.refuseLists = true;
  try {
    const id = await plane.instance('unlisted');
    const shown = await plane.api('GET', `/instances/${id}`);
    assert.equal(shown.status, 200, JSON.stringify(shown.json));
    const window = (shown.json['instance'] as Json)['recoverable_window'] as Json;
    assert.match(String(window['error']), /local backup storage refused to list/);
  } finally {
    plane.refuseLists = false;
  }
});

test('a restore_time outside the recoverable window is refused with 400 naming it, before anything is created', async () => {
  const { id, latest } = await archiving('bounded');
  const earliest = String((await shownWindow(id, latest)).spans[0]?.['earliest']);
  await archived(id, 'gap-000000010000000000000009');
  const count = await instanceCount();
  for (const time of [Date.parse(earliest) - 1000, latest + 1]) {
    const refused = await restoring(id, time);
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
    const said = JSON.stringify(refused.json);
    const window = `${earliest} to ${new Date(latest).toISOString()}`;
    assert.ok(said.includes(`recoverable window of instance ${id} is ${window}`), said);
    assert.ok(said.includes('gaps: 000000010000000000000009'), said);
  }
  assert.equal(await instanceCount(), count, 'nothing was created');
  const inside = await restoring(id, latest);
  assert.equal(inside.status, 200, JSON.stringify(inside.json));
});

test('a restore to a point in time of a deleted instance is accepted while its backups remain', async () => {
  const { id, latest } = await archiving('deleted-source');
  assert.equal((await plane.api('DELETE', `/instances/${id}`)).status, 202);
  await plane.until(`/instances/${id}`, 'instance', (i) => i['answered'] === 404, 'deleted');
  const created = await restoring(id, latest);
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const restored = (created.json['instance'] as Json)['id'] as string;
  await plane.until(`/instances/${restored}`, 'instance', (i) => i['status'] === 'ACTIVE', 'on');
  assert.equal(plane.prepared.get(restored)?.backupInfo?.instanceId, id);
  assert.equal(
    plane.prepared.get(restored)?.backupInfo?.restoreTime,
    new Date(latest).toISOString(),
  );
});
