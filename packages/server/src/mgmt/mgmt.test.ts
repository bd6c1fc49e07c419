// The management services and the admin's reach called without HTTP, over an in-memory control
// database: what an admin reaches by id, the all-projects list with its filters, datastore
// versions an admin disabled or made default (kept across a catalog sync), reset-task-status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineDatastoreServer, isCellarError } from '@cellar/plugin-api';
import { syncCatalog } from '../datastores/catalog.js';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import { resetInstanceStatus } from '../instances/actions.js';
import { createInstance } from '../instances/create.js';
import { deleteInstance } from '../instances/delete.js';
import type { InstanceDeps } from '../instances/deps.js';
import { loadInstance } from '../instances/lookup.js';
import type { ViewContext } from '../instances/views.js';
import { Quotas } from '../quotas/quotas.js';
import { updateMgmtVersion, listMgmtVersions } from './datastore-versions.js';
import { resetTaskStatus } from './instance-actions.js';
import { listMgmtInstances, showMgmtInstance } from './instances.js';

let control: ControlDatabase;
let deps: InstanceDeps;
const member = (projectId: string) => ({ projectId, userId: `u-${projectId}`, roles: ['member'] });
const view: ViewContext = {
  base: 'http://h',
  tenant: 'ops',
  admin: true,
  now: new Date(),
  heartbeatExpiry: 90,
};
const catalog = (versions: { name: string; active: boolean }[]) => [
  {
    name: 'postgresql',
    package: '@cellar/datastore-postgresql',
    version: '0.1.0',
    capabilities: [],
    server: defineDatastoreServer({
      name: 'postgresql',
      versions: async () => versions.map((v) => ({ ...v, location: `/pg${v.name}` })),
    }),
  },
];

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  await syncCatalog(
    control.db,
    catalog([
      { name: '16', active: true },
      { name: '15', active: true },
    ]),
  );
  deps = {
    db: control.db,
    changeStamp: control.changeStamp,
    heartbeatExpiry: 90,
    controlKey: 'mgmt-test-key',
    datastores: new Map([
      [
        'postgresql',
        {
          capabilities: [],
          rootOnCreate: false,
          passwordLength: 20,
          volumeSupport: true,
          tcpPorts: [],
          udpPorts: [],
          usageTimeout: 10,
        },
      ],
    ]),
    runOperation: async () => undefined,
    quotas: new Quotas(control.db, { instances: 10, ram: -1, volumes: 40, backups: 50 }),
    maxVolumeSize: 10,
    guest: () => {
      throw new Error('no guests in these tests');
    },
  };
});
after(() => control.close());

async function instanceOf(project: string, name: string, version?: string): Promise<string> {
  const { id } = await createInstance(deps, member(project), project, {
    name,
    flavorRef: '2',
    volume: { size: 1 },
    ...(version === undefined ? {} : { datastore: { type: 'postgresql', version } }),
  });
  return id;
}

const notFound = (e: unknown): boolean => isCellarError(e) && e.status === 404;

test("an admin's scope reaches another project's instance by id, resets and deletes it; its own project's scope gets 404", async () => {
  const id = await instanceOf('p1', 'stuck');
  await assert.rejects(loadInstance(control.db, 'p2', id), notFound);
  assert.equal((await loadInstance(control.db, undefined, id)).tenant_id, 'p1');
  // The create is still open: delete is refused until reset_status ends it.
  await assert.rejects(
    deleteInstance(deps, undefined, id),
    (e) => isCellarError(e) && e.status === 422,
  );
  await resetInstanceStatus(deps, undefined, id);
  await deleteInstance(deps, undefined, id);
  const row = await loadInstance(control.db, undefined, id);
  assert.equal(row.task_status, 'DELETING');
});

test('the management list shows every project, filters deleted and project_id, and refuses a deleted value it does not know', async () => {
  const a = await instanceOf('pa', 'a');
  const b = await instanceOf('pb', 'b');
  await control.db
    .updateTable('instances')
    .set({ deleted_at: now() })
    .where('id', '=', b)
    .execute();
  const ids = async (query: object) =>
    (await listMgmtInstances(deps, view, query)).instances
      .filter((i) => i.id === a || i.id === b)
      .map((i) => [i.name, i.tenant_id, i.deleted]);
  assert.deepEqual((await ids({})).sort(), [
    ['a', 'pa', false],
    ['b', 'pb', true],
  ]);
  assert.deepEqual(await ids({ deleted: 'false' }), [['a', 'pa', false]]);
  assert.deepEqual(await ids({ deleted: 'True' }), [['b', 'pb', true]]);
  assert.deepEqual(await ids({ project_id: 'pb' }), [['b', 'pb', true]]);
  await assert.rejects(
    listMgmtInstances(deps, view, { deleted: 'yes' }),
    (e) => isCellarError(e) && e.status === 400 && /deleted=true/.test(e.message),
  );
  await assert.rejects(showMgmtInstance(deps, view, b), notFound);
  const shown = await showMgmtInstance(deps, view, b, 'true');
  assert.equal(shown.deleted, true);
  assert.deepEqual(
    shown.history.map((o) => o.kind),
    ['create'],
    "its history is the instance's operation timeline",
  );
});

test("a disabled version refuses creates naming it, and an admin's choices outlast the catalog sync at start", async () => {
  const version = async (name: string) => {
    const found = (await listMgmtVersions(control.db)).find((v) => v.name === name);
    assert.ok(found);
    return found;
  };
  await updateMgmtVersion(control.db, (await version('15')).id, { active: false });
  await assert.rejects(
    instanceOf('p1', 'old', '15'),
    (e) =>
      isCellarError(e) &&
      e.status === 400 &&
      e.message ===
        'Datastore version postgresql 15 is not active: an administrator disabled it. Active versions: 16.',
  );
  await updateMgmtVersion(control.db, (await version('15')).id, { active: true, default: true });
  await updateMgmtVersion(control.db, (await version('16')).id, { active: false });
  await syncCatalog(
    control.db,
    catalog([
      { name: '16', active: true },
      { name: '15', active: true },
    ]),
  );
  assert.deepEqual(
    [(await version('16')).active, (await version('15')).default],
    [false, true],
    'still disabled, still the chosen default',
  );
  await updateMgmtVersion(control.db, (await version('16')).id, { active: true });
  await syncCatalog(control.db, catalog([{ name: '16', active: true }]));
  assert.deepEqual(
    [(await version('15')).active, (await version('16')).default],
    [false, true],
    'a chosen default the host no longer has gives way',
  );
});

test('reset-task-status ends the task, fails the open operation and keeps the service status', async () => {
  await syncCatalog(
    control.db,
    catalog([
      { name: '16', active: true },
      { name: '15', active: true },
    ]),
  );
  const id = await instanceOf('p1', 'resettable');
  await control.db
    .updateTable('service_statuses')
    .set({ status: 'healthy' })
    .where('instance_id', '=', id)
    .execute();
  await resetTaskStatus(deps, id);
  const row = await loadInstance(control.db, undefined, id);
  assert.deepEqual([row.task_status, row.service_status], ['NONE', 'healthy']);
  const operation = await control.db
    .selectFrom('operations')
    .select(['status', 'error_code'])
    .where('instance_id', '=', id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(operation, { status: 'failed', error_code: 'CELLAR_OPERATION_INTERRUPTED' });
});
