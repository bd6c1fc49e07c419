import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import { newInstanceKey } from '../secrets.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { startOperation } from './start-operation.js';

test('a repeated delete that joins the open one hands it to the taskmanager again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-start-operation-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  try {
    await migrateToLatest(control.db);
    const instanceId = await insertInstance(control.db);
    const handedOver: string[] = [];
    const deps = {
      db: control.db,
      controlKey: newInstanceKey(),
      runOperation: async (id: string) => void handedOver.push(id),
    };
    const first = await startOperation(deps, instanceId, 'delete', 'DELETING', { joinSame: true });
    // The first hand-over was lost (the cast failed); the user deletes again.
    const again = await startOperation(deps, instanceId, 'delete', 'DELETING', { joinSame: true });
    assert.deepEqual([first.isNew, again.isNew], [true, false]);
    assert.equal(again.operationId, first.operationId);
    assert.deepEqual(handedOver, [first.operationId, first.operationId]);
  } finally {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  }
});
