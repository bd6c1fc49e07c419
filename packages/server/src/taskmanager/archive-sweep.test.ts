// Retention of a datastore's continuous archive by the sweeper: what the datastore says no kept
// full backup needs goes, a live instance without a full backup keeps all, and the archive of an
// instance gone with no full backup left goes entirely, once.

import assert from 'node:assert/strict';
import type { ArchiveRetention, BackupObjectInfo, BackupStorage } from '@cellar/plugin-api';
import type { ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import { insertBackup, onBothDialects } from '../testing/backup-fixture.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { sweepArchives } from './archive-sweep.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Objects by key: `<instance>/<n>` archive objects, numbered as a datastore would order them. */
class FakeArchive {
  readonly keys = new Set<string>();
  lists = 0;

  storage(): BackupStorage {
    const storage: Partial<BackupStorage> = {
      name: 'fake',
      list: async (_project, prefix = '') => {
        this.lists++;
        return [...this.keys]
          .filter((k) => k.startsWith(prefix))
          .map((key): BackupObjectInfo => ({ key, location: `fake:${key}`, size: 1 }));
      },
      delete: async (location) => void this.keys.delete(location.slice('fake:'.length)),
      close: async () => undefined,
    };
    return storage as BackupStorage;
  }
}

/** Keeps the objects numbered at or after the oldest full backup's `start`. */
const byNumber: ArchiveRetention = {
  prefix: (id) => `wal/${id}/`,
  expired: (_id, objects, fulls) => {
    const oldest = Math.min(...fulls.map((f) => Number(f.meta['start'])));
    return objects.filter((o) => Number(o.key.split('/').pop()) < oldest).map((o) => o.location);
  },
};

function deps(control: ControlDatabase, archive: FakeArchive) {
  const storages = { defaultName: 'fake', open: async () => archive.storage() };
  return {
    db: control.db,
    log: silent,
    backups: { storages, timeout: 60, silenceLimit: 60 },
    archiveRetention: (datastore: string) =>
      datastore.startsWith('postgresql') ? byNumber : undefined,
  };
}

onBothDialects(
  'archived objects older than the oldest kept full backup go; a live instance without one keeps all',
  async (control) => {
    const archive = new FakeArchive();
    const kept = await insertInstance(control.db);
    const bare = await insertInstance(control.db);
    for (const n of [1, 2, 3, 4]) archive.keys.add(`wal/${kept}/${n}`);
    for (const n of [1, 2]) archive.keys.add(`wal/${bare}/${n}`);
    await insertBackup(control, { state: 'COMPLETED', instanceId: kept, meta: { start: 3 } });
    const deleted = await insertBackup(control, {
      state: 'COMPLETED',
      instanceId: kept,
      meta: { start: 1 },
    });
    await control.db
      .updateTable('backups')
      .set({ deleted_at: now() })
      .where('id', '=', deleted)
      .execute();
    assert.equal(await sweepArchives(deps(control, archive)), 2);
    assert.deepEqual(
      [...archive.keys].sort(),
      [`wal/${bare}/1`, `wal/${bare}/2`, `wal/${kept}/3`, `wal/${kept}/4`].sort(),
    );
  },
);

onBothDialects(
  'the archive of an instance gone with no full backup left goes entirely, and is not listed again',
  async (control) => {
    const archive = new FakeArchive();
    const gone = await insertInstance(control.db);
    for (const n of [1, 2, 3]) archive.keys.add(`wal/${gone}/${n}`);
    await control.db
      .updateTable('instances')
      .set({ deleted_at: now() })
      .where('id', '=', gone)
      .execute();
    const full = await insertBackup(control, {
      state: 'COMPLETED',
      instanceId: gone,
      meta: { start: 2 },
    });
    assert.equal(
      await sweepArchives(deps(control, archive)),
      1,
      'its kept full backup still needs 2 and 3',
    );
    await control.db
      .updateTable('backups')
      .set({ deleted_at: now() })
      .where('id', '=', full)
      .execute();
    assert.equal(await sweepArchives(deps(control, archive)), 2);
    assert.deepEqual([...archive.keys], []);
    const lists = archive.lists;
    assert.equal(await sweepArchives(deps(control, archive)), 0);
    assert.equal(archive.lists, lists, 'an archive removed for good is not listed again');
  },
);
