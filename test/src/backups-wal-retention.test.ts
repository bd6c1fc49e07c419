// Retention of PostgreSQL's WAL archive through the API on real instances: once the oldest full
// backup is deleted, the sweeper removes the WAL archived before the next one began, and once the
// last full backup and the instance are gone, the whole archive goes.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { takeBackup } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import { closeSegment, holds, pitrSource, serverNow, untilWindow } from './support/pitr-source.js';
import { waitFor } from './support/wait-for.js';

const storage = await mkdtemp(join(tmpdir(), 'cellar-wal-retention-'));
// Guests run as users of their own when the tests run as root: they pass through to their project's.
await chmod(storage, 0o711);
after(() => rm(storage, { recursive: true, force: true }));

const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  `backup_storage_local.path=${storage}`,
  'DEFAULT.backup_sweep_interval=1',
  'postgresql.wal_archiving=true',
]);

/** The archived WAL segments of the instance in the storage directory, by name. */
async function archived(id: string): Promise<string[]> {
  const dir = join(storage, local.session.project, 'wal', id);
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.flatMap((f) => /^([0-9A-F]{24})\.c/.exec(f)?.[1] ?? []).sort();
}

async function deleteBackup(id: string): Promise<void> {
  assert.equal((await local.api('DELETE', `/backups/${id}`)).status, 202);
}

test(
  'WAL archived before the oldest kept full backup began is removed, and all of it once the instance and its backups are gone',
  { skip: noPostgresql, timeout: 600_000 },
  async () => {
    const source = await pitrSource(local);
    const first = (
      (await local.api('GET', `/instances/${source.id}/backups`)).json['backups'] as Json[]
    )[0];
    for (const table of ['filler_1', 'filler_2']) await closeSegment(source.address, table);
    const before = await waitFor(
      async () => ((await archived(source.id)).length > 1 ? archived(source.id) : undefined),
      {
        what: 'segments to be archived',
        timeout: 120_000,
        interval: 250,
      },
    );
    const second = await takeBackup(local, source.id, 'second-full');
    await closeSegment(source.address, 'filler_3');
    await waitFor(async () => (await archived(source.id)).some((s) => s > (before.at(-1) ?? 'Z')), {
      what: 'a segment archived after the second full backup',
      timeout: 120_000,
      interval: 250,
    });
    // The first full backup still needs what was written after it began: that stays yet.
    const newest = before.at(-1) ?? assert.fail('no segment archived');
    assert.ok((await archived(source.id)).includes(newest), `${newest} is kept`);

    await deleteBackup(String(first?.['id']));
    await waitFor(async () => !(await archived(source.id)).some((s) => before.includes(s)), {
      what: 'the WAL archived before the second full backup to go',
      timeout: 60_000,
      interval: 250,
    });
    // What the second full backup needs stays: its span reaches past a commit made now.
    const t = await serverNow(source.address);
    await closeSegment(source.address, 'filler_4');
    await untilWindow(local, source.id, 'the window to reach past t', (w) => holds(w, t));

    await deleteBackup(String(second['id']));
    assert.equal((await local.api('DELETE', `/instances/${source.id}`)).status, 202);
    await local.session.untilInstance(source.id, (i) => 'gone' in i, 'deleted', 90, 250);
    const dir = join(storage, local.session.project, 'wal', source.id);
    await waitFor(async () => (await readdir(dir).catch(() => [])).length === 0, {
      what: 'the whole archive of the deleted instance to go',
      timeout: 60_000,
      interval: 250,
    });
  },
);
