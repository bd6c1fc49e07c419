// The backup scenario every datastore runs on every storage, through the API as a user would:
// write rows, take a full backup, write more, take an incremental (where the strategy has them),
// write more, restore each into a new instance and find exactly the rows of its moment.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { backupDatastores, type BackupDatastore } from './backup-datastores.js';
import { settled, type LocalCellarOfFile } from './local-cellar.js';
import { waitFor } from './wait-for.js';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** POST /backups and wait for it to end; asserts it COMPLETED and returns its record. */
export async function takeBackup(
  local: LocalCellarOfFile,
  instance: string,
  name: string,
  parent?: string,
): Promise<Json> {
  const answer = await local.api('POST', '/backups', {
    backup: { name, instance, ...(parent === undefined ? {} : { parent_id: parent }) },
  });
  assert.equal(answer.status, 202, JSON.stringify(answer.json));
  const id = String((answer.json['backup'] as Json)['id']);
  const done = await waitFor(
    async () => {
      const shown = (await local.api('GET', `/backups/${id}`)).json['backup'] as Json;
      return shown['status'] === 'COMPLETED' || shown['status'] === 'FAILED' ? shown : undefined;
    },
    { what: `backup ${name} to end`, timeout: 180_000, interval: 250 },
  );
  assert.equal(done['status'], 'COMPLETED', JSON.stringify(done['fault'] ?? done));
  return done;
}

/** Creates an instance and waits for it to be ACTIVE; returns its id and address. */
export async function activeInstance(
  local: LocalCellarOfFile,
  body: Readonly<Record<string, unknown>>,
): Promise<{ id: string; address: string }> {
  const created = await local.api('POST', '/instances', { instance: body });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String((created.json['instance'] as Json)['id']);
  const shown = await local.session.untilInstance(id, settled, 'ACTIVE', 240, 250);
  assert.equal(shown['status'], 'ACTIVE', JSON.stringify(shown['fault'] ?? shown));
  return { id, address: (shown['ip'] as string[] | undefined)?.[0] ?? '' };
}

async function deleteInstance(local: LocalCellarOfFile, id: string): Promise<void> {
  assert.equal((await local.api('DELETE', `/instances/${id}`)).status, 202);
  await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 90, 250);
}

async function scenario(local: LocalCellarOfFile, ds: BackupDatastore, storage: string) {
  const versions = (await local.api('GET', `/datastores/${ds.type}/versions`)).json;
  const version = String(((versions['versions'] as Json[])[0] as Json)['name']);
  const base = { flavorRef: '2', volume: { size: 1 }, datastore: { type: ds.type, version } };
  const source = await activeInstance(local, { ...base, name: `${ds.type}-source`, ...ds.create });
  await ds.write(source.address, 1, 10);
  const full = await takeBackup(local, source.id, `${ds.type}-full`);
  assert.equal(full['storage_driver'], storage);
  assert.match(String(full['checksum']), /^[0-9a-f]{64}$/);
  assert.ok(Number(full['size_bytes']) > 0, JSON.stringify(full));
  await ds.write(source.address, 11, 20);
  const incremental = ds.incremental
    ? await takeBackup(local, source.id, `${ds.type}-incremental`, String(full['id']))
    : undefined;
  if (incremental) assert.equal(incremental['parent_id'], full['id']);
  await ds.write(source.address, 21, 30);

  const restores: [Json, number[]][] = [[full, range(1, 10)]];
  if (incremental) restores.push([incremental, range(1, 20)]);
  for (const [backup, rows] of restores) {
    const restored = await activeInstance(local, {
      ...base,
      name: `${ds.type}-from-${String(backup['name'])}`,
      restorePoint: { backupRef: backup['id'] },
      ...ds.restore,
    });
    assert.deepEqual(await ds.read(restored.address), rows, `restored ${String(backup['name'])}`);
    await deleteInstance(local, restored.id);
  }
  assert.deepEqual(await ds.read(source.address), range(1, 30));

  // Deleting the full backup deletes the incremental built on it first.
  assert.equal((await local.api('DELETE', `/backups/${String(full['id'])}`)).status, 202);
  await waitFor(
    async () => {
      const left = (await local.api('GET', `/instances/${source.id}/backups`)).json['backups'];
      return (left as Json[]).length === 0;
    },
    { what: 'the backups to be gone', timeout: 60_000, interval: 250 },
  );
  await deleteInstance(local, source.id);
}

/** One test per datastore: the scenario on this file's Cellar, whose storage is `storage`. */
export function backupScenarios(
  local: LocalCellarOfFile,
  storage: string,
  skip: string | false,
): void {
  for (const ds of backupDatastores) {
    const what = ds.incremental ? 'a full backup and an incremental' : 'a full backup';
    test(
      `${ds.type} on the ${storage} storage: ${what} restore into new instances with exactly the rows of their moment`,
      { skip: skip || ds.skip },
      () => scenario(local, ds, storage),
    );
  }
}
