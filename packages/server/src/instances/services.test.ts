// The instance services called as a console or a CLI would, without HTTP: create, restart and
// delete over an in-memory control database, and the database's own guard on open operations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import { Quotas } from '../quotas/quotas.js';
import { insertDatastoreVersion } from '../testing/instance-fixture.js';
import { Operations } from '../taskmanager/operations.js';
import { restartInstance } from './actions.js';
import { createInstance } from './create.js';
import { deleteInstance } from './delete.js';
import type { InstanceDeps } from './deps.js';
import { isOpenOperationConflict } from './start-operation.js';

let control: ControlDatabase;
let deps: InstanceDeps;
const started: string[] = [];
const caller = { projectId: 'p1', userId: 'u1', roles: ['member'] };

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  await insertDatastoreVersion(control.db);
  deps = {
    db: control.db,
    changeStamp: control.changeStamp,
    heartbeatExpiry: 90,
    controlKey: 'services-test-key',
    datastores: new Map([
      [
        'postgresql',
        {
          capabilities: ['databases', 'users'],
          rootOnCreate: true,
          passwordLength: 20,
          volumeSupport: true,
          tcpPorts: [],
          udpPorts: [],
          usageTimeout: 10,
        },
      ],
    ]),
    runOperation: async (id) => {
      started.push(id);
    },
    quotas: new Quotas(control.db, { instances: 10, ram: -1, volumes: 40, backups: 50 }),
    maxVolumeSize: 10,
    guest: () => {
      throw new Error('no guests in these tests');
    },
  };
});
after(() => control.close());

const busy = (e: unknown): boolean => isCellarError(e) && e.status === 422;

/** What the taskmanager leaves after a create that went well. */
async function finishOperations(instanceId: string): Promise<void> {
  await control.db
    .updateTable('operations')
    .set({ status: 'succeeded' })
    .where('instance_id', '=', instanceId)
    .execute();
  await control.db
    .updateTable('instances')
    .set({ task_status: 'NONE', server_status: 'ACTIVE' })
    .where('id', '=', instanceId)
    .execute();
  await control.db
    .updateTable('service_statuses')
    .set({ status: 'healthy', updated_at: now() })
    .where('instance_id', '=', instanceId)
    .execute();
}

test('createInstance writes the instance and its create operation, hands it on, and returns the root password once', async () => {
  const created = await createInstance(deps, caller, 'p1', {
    name: 'svc',
    flavorRef: '2',
    volume: { size: 1 },
    databases: [{ name: 'app' }],
  });
  assert.equal(created.rootPassword?.length, 20);
  assert.deepEqual(started.at(-1), created.operationId);
  const operation = await new Operations(control.db, deps.controlKey).get(created.operationId);
  assert.equal(operation?.operation.kind, 'create');
  assert.equal(
    JSON.stringify(operation).includes(created.rootPassword ?? '-'),
    false,
    'the root password is kept sealed',
  );
});

test('restart and delete are refused with 422 while another operation of the instance is open', async () => {
  const { id } = await createInstance(deps, caller, 'p1', {
    name: 'svc-busy',
    flavorRef: '2',
    volume: { size: 1 },
  });
  await assert.rejects(deleteInstance(deps, 'p1', id), busy, 'no delete while the create runs');
  await finishOperations(id);
  const restart = await restartInstance(deps, 'p1', id);
  await assert.rejects(restartInstance(deps, 'p1', id), busy);
  await assert.rejects(deleteInstance(deps, 'p1', id), busy);
  await finishOperations(id);
  const deletion = await deleteInstance(deps, 'p1', id);
  assert.notEqual(deletion, restart);
  assert.equal(await deleteInstance(deps, 'p1', id), deletion, 'a repeated delete joins the first');
});

test('the control database itself refuses a second open operation of one instance', async () => {
  const { id } = await createInstance(deps, caller, 'p1', {
    name: 'svc-index',
    flavorRef: '2',
    volume: { size: 1 },
  });
  const operations = new Operations(control.db, deps.controlKey);
  const second = control.db
    .transaction()
    .execute((trx) => operations.create(trx, id, 'restart', {}, ['restart-database']));
  await assert.rejects(second, (e: unknown) => isOpenOperationConflict(e));
});
