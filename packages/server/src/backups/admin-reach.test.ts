// A backup by id within a caller's reach: its own project's for a member (another project's is
// 404, as if it did not exist), every project's for an admin, whose scope is undefined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import { insertBackup } from '../testing/backup-fixture.js';
import { showBackup } from './reads.js';
import { loadBackup } from './records.js';

test("a member's scope finds only its project's backup; an admin's finds any project's", async (t) => {
  const control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  t.after(() => control.close());
  await migrateToLatest(control.db);
  const id = await insertBackup(control, { state: 'COMPLETED' });
  assert.equal((await loadBackup(control.db, 'p1', id)).id, id);
  await assert.rejects(
    loadBackup(control.db, 'p2', id),
    (e) => isCellarError(e) && e.status === 404 && e.message === `Backup ${id} cannot be found.`,
  );
  assert.equal((await showBackup(control.db, undefined, id)).id, id);
});
