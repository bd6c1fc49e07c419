// The leftovers sweeper against a storage that is down and then answers: what a failed backup
// left is removed once it can be and its mark cleared, a refused delete is finished for good,
// and two taskmanagers on one control database never sweep the same backup at once.

import assert from 'node:assert/strict';
import { BackupStorageFailed, type BackupStorage } from '@cellar/plugin-api';
import { removeOrMark } from '../backups/leftovers.js';
import type { BackupStorages } from '../backups/storages.js';
import type { ControlDatabase } from '../db/connect.js';
import { Quotas } from '../quotas/quotas.js';
import { insertBackup, onBothDialects } from '../testing/backup-fixture.js';
import { LeftoversSweeper } from './leftovers-sweeper.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A storage holding keys in memory; `down` makes every call fail as an unreachable one would. */
class FakeStorage {
  readonly keys = new Set<string>();
  down = false;
  purges = 0;
  gate: Promise<void> = Promise.resolve();

  storages(): BackupStorages {
    const fail = (): never => {
      throw new BackupStorageFailed({
        storage: 'fake',
        operation: 'delete',
        object: 'x',
        reason: 'ECONNREFUSED',
      });
    };
    const storage: Partial<BackupStorage> = {
      name: 'fake',
      delete: async () => (this.down ? fail() : undefined),
      list: async () => (this.down ? fail() : []),
      purge: async (project, prefix) => {
        this.purges++;
        await this.gate;
        if (this.down) fail();
        for (const key of [...this.keys])
          if (key.startsWith(`${project}/${prefix}`)) this.keys.delete(key);
      },
      close: async () => undefined,
    };
    return { defaultName: 'fake', open: async () => storage as BackupStorage };
  }
}

function sweeper(control: ControlDatabase, fake: FakeStorage, owner: string): LeftoversSweeper {
  const deps = {
    db: control.db,
    log: silent,
    quotas: new Quotas(control.db, { instances: 5, ram: -1, volumes: 20, backups: 50 }),
    backups: { storages: fake.storages(), timeout: 60, silenceLimit: 60 },
  };
  return new LeftoversSweeper(deps, owner);
}

const marks = (control: ControlDatabase) =>
  control.db.selectFrom('backup_leftovers').selectAll().execute();
const backupRow = (control: ControlDatabase, id: string) =>
  control.db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

onBothDialects(
  'a failed backup whose storage was down is marked, swept once the storage answers, and its mark cleared',
  async (control) => {
    const fake = new FakeStorage();
    const id = await insertBackup(control, { state: 'FAILED' });
    fake.keys.add(`p1/i1/${id}/segment-0`);
    fake.down = true;
    const row = await backupRow(control, id);
    await assert.rejects(removeOrMark(control.db, fake.storages(), row), /ECONNREFUSED/);
    assert.deepEqual(
      (await marks(control)).map((m) => [m.backup_id, m.swept_by]),
      [[id, null]],
    );
    const sweep = sweeper(control, fake, 'tm-1');
    assert.equal(await sweep.sweep(), 0);
    assert.equal((await marks(control))[0]?.attempts, 2, 'each failed removal is counted');
    fake.down = false;
    assert.equal(await sweep.sweep(), 1);
    assert.deepEqual([...fake.keys], []);
    assert.deepEqual(await marks(control), []);
    assert.equal(await sweep.sweep(), 0, 'a clean backup is not swept again');
  },
);

onBothDialects('a failed backup whose removal succeeded at once is not marked', async (control) => {
  const fake = new FakeStorage();
  const id = await insertBackup(control, { state: 'FAILED' });
  await removeOrMark(control.db, fake.storages(), await backupRow(control, id));
  assert.deepEqual(await marks(control), []);
});

onBothDialects(
  'a DELETE_FAILED backup is gone for good once the sweeper removed its object',
  async (control) => {
    const fake = new FakeStorage();
    const id = await insertBackup(control, { state: 'DELETE_FAILED' });
    fake.keys.add(`p1/i1/${id}`);
    assert.equal(await sweeper(control, fake, 'tm-1').sweep(), 1);
    assert.deepEqual([...fake.keys], []);
    assert.notEqual((await backupRow(control, id)).deleted_at, null);
    assert.deepEqual(await marks(control), []);
  },
);

onBothDialects('two taskmanagers sweeping at once remove one backup once', async (control) => {
  const fake = new FakeStorage();
  const id = await insertBackup(control, { state: 'DELETE_FAILED' });
  let open = (): void => undefined;
  fake.gate = new Promise<void>((resolve) => (open = resolve));
  const first = sweeper(control, fake, 'tm-1').sweep();
  const deadline = Date.now() + 10_000;
  while (fake.purges === 0 && Date.now() < deadline) await new Promise(setImmediate);
  // The first is removing it: a peer's round leaves it alone.
  assert.equal(await sweeper(control, fake, 'tm-2').sweep(), 0);
  open();
  assert.equal(await first, 1);
  assert.equal(fake.purges, 1);
  assert.notEqual((await backupRow(control, id)).deleted_at, null);
  assert.equal(await sweeper(control, fake, 'tm-2').sweep(), 0, 'nothing is left to sweep');
  assert.equal(fake.purges, 1);
});
