import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OperationInterrupted } from '@cellar/plugin-api';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { now } from '../db/schema.js';
import { newInstanceKey, seal } from '../secrets.js';
import { createArguments } from './create-request.js';
import { Operations } from './operations.js';
import { stepsOf } from './plans.js';

const controlKey = newInstanceKey();
let dir: string;
let control: ControlDatabase;
let instanceId: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellar-operations-'));
  control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  await migrateToLatest(control.db);
  instanceId = await insertInstance(control.db, seal(controlKey, newInstanceKey()));
});
after(async () => {
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

const stored = (id: string) =>
  control.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const createWithUsers = (operations: Operations): Promise<string> =>
  control.db.transaction().execute((trx) =>
    operations.create(
      trx,
      instanceId,
      'create',
      {
        databases: [{ name: 'appdb' }],
        users: [{ name: 'app', password: 'app-pw-3c1f', databases: [{ name: 'appdb' }] }],
        sealedRootPassword: seal(controlKey, 'root-pw-9d2e'),
      },
      stepsOf.create,
    ),
  );

test('a create keeps its passwords sealed, a restarted taskmanager unseals them, and they are erased when it ends', async () => {
  const id = await createWithUsers(new Operations(control.db, controlKey));
  const row = await stored(id);
  for (const secret of ['app-pw-3c1f', 'root-pw-9d2e'])
    assert.equal(JSON.stringify(row).includes(secret), false, `${secret} is stored in the clear`);

  // What a resumed operation reads: a taskmanager started afresh with the same control key.
  const resumed = await new Operations(control.db, controlKey).get(id);
  assert.ok(resumed);
  assert.deepEqual(createArguments(controlKey, resumed.operation), {
    databases: [{ name: 'appdb' }],
    users: [{ name: 'app', password: 'app-pw-3c1f', databases: [{ name: 'appdb' }] }],
    rootPassword: 'root-pw-9d2e',
  });
  assert.throws(() => createArguments(newInstanceKey(), resumed.operation));

  const reason = new OperationInterrupted({
    kind: 'create',
    instance: instanceId,
    step: 'prepare',
    reason: 'the guest went away',
  });
  await new Operations(control.db, controlKey).ended(id, 'failed', reason);
  const ended = await stored(id);
  assert.equal(ended.secrets, null);
  assert.equal(ended.status, 'failed');
  assert.deepEqual(JSON.parse(ended.request), {
    databases: [{ name: 'appdb' }],
    users: [{ name: 'app', databases: [{ name: 'appdb' }] }],
  });
});

test('operations failed outside a taskmanager (reset_status) lose their secrets when one starts', async () => {
  const operations = new Operations(control.db, controlKey);
  const id = await createWithUsers(operations);
  const reason = new OperationInterrupted({
    kind: 'open',
    instance: instanceId,
    step: 'any',
    reason: 'reset',
  });
  await control.db
    .updateTable('operations')
    .set({ status: 'failed', error_code: reason.code, error_message: reason.message })
    .where('id', '=', id)
    .execute();
  assert.notEqual((await stored(id)).secrets, null);
  await operations.eraseEndedSecrets();
  assert.equal((await stored(id)).secrets, null);
});

test('a create an earlier version stored with its passwords in the clear still resumes, and loses them when it ends', async () => {
  const id = randomUUID();
  await control.db
    .insertInto('operations')
    .values({
      id,
      instance_id: instanceId,
      kind: 'create',
      status: 'running',
      request: JSON.stringify({
        databases: [],
        users: [{ name: 'old', password: 'old-pw-55aa' }],
        sealedRootPassword: seal(controlKey, 'old-root-77bb'),
      }),
      secrets: null,
      error_code: null,
      error_message: null,
      created_at: now(),
      updated_at: now(),
    })
    .execute();
  assert.deepEqual(createArguments(controlKey, await stored(id)), {
    databases: [],
    users: [{ name: 'old', password: 'old-pw-55aa' }],
    rootPassword: 'old-root-77bb',
  });
  await new Operations(control.db, controlKey).ended(id, 'succeeded');
  assert.deepEqual(JSON.parse((await stored(id)).request), {
    databases: [],
    users: [{ name: 'old' }],
  });
});
