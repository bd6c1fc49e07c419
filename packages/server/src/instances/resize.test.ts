// The resize action's rules called as the API calls them, without HTTP: the quota of what grows
// taken with the operation's start and never by a refused one, and the action table's answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import { Policy } from '../policy/policy.js';
import { Quotas } from '../quotas/quotas.js';
import { insertDatastoreVersion } from '../testing/instance-fixture.js';
import { Operations } from '../taskmanager/operations.js';
import { actionRule, resetInstanceStatus, restartInstance, runAction } from './actions.js';
import { createInstance } from './create.js';
import type { InstanceDeps } from './deps.js';
import { resizeInstance } from './resize.js';

let control: ControlDatabase;
let deps: InstanceDeps;
const caller = { projectId: 'p1', userId: 'u1', roles: ['member'] };

before(async () => {
  control = await openDatabase({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(control.db);
  await insertDatastoreVersion(control.db);
  deps = {
    db: control.db,
    changeStamp: control.changeStamp,
    heartbeatExpiry: 90,
    controlKey: 'resize-test-key',
    datastores: new Map([
      [
        'postgresql',
        {
          capabilities: ['flavor-resize'],
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
    quotas: new Quotas(control.db, { instances: 10, ram: 4096, volumes: 5, backups: 50 }),
    maxVolumeSize: 4,
    guest: () => {
      throw new Error('no guests in these tests');
    },
  };
});
after(() => control.close());

const status = (code: number) => (e: unknown) => isCellarError(e) && e.status === code;

async function inUse(resource: string): Promise<number> {
  return (await deps.quotas.usage('p1')).find((u) => u.resource === resource)?.in_use ?? 0;
}

/** An instance as a create that went well leaves it: ACTIVE, healthy, no operation open. */
async function activeInstance(name: string): Promise<string> {
  const { id } = await createInstance(deps, caller, 'p1', {
    name,
    flavorRef: '1',
    volume: { size: 1 },
  });
  await settle(id);
  return id;
}

async function settle(id: string): Promise<void> {
  await control.db
    .updateTable('operations')
    .set({ status: 'succeeded' })
    .where('instance_id', '=', id)
    .execute();
  await control.db
    .updateTable('instances')
    .set({ task_status: 'NONE', server_status: 'ACTIVE' })
    .where('id', '=', id)
    .execute();
  await control.db
    .updateTable('service_statuses')
    .set({ status: 'healthy', updated_at: now() })
    .where('instance_id', '=', id)
    .execute();
}

test('a volume resize takes the added gigabytes with its operation, and a refused one takes nothing', async () => {
  const id = await activeInstance('grow');
  const volumes = await inUse('volumes');
  await assert.rejects(
    resizeInstance(deps, 'p1', id, { volume: { size: 5 } }),
    /exceeds the maximum of 4 GB/,
  );
  await deps.quotas.setLimits('p1', { volumes: volumes + 1 });
  await assert.rejects(
    resizeInstance(deps, 'p1', id, { volume: { size: 3 } }),
    /Quota exceeded for resources: \['volumes'\]/,
  );
  await deps.quotas.setLimits('p1', { volumes: 5 });
  await assert.rejects(resizeInstance(deps, 'p1', id, { volume: { size: 1 } }), status(400));
  await restartInstance(deps, 'p1', id);
  await assert.rejects(
    resizeInstance(deps, 'p1', id, { volume: { size: 3 } }),
    status(422),
    'not while a restart runs',
  );
  assert.equal(await inUse('volumes'), volumes, 'refused resizes took no quota');
  await settle(id);

  const operationId = await resizeInstance(deps, 'p1', id, { volume: { size: 3 } });
  assert.equal(await inUse('volumes'), volumes + 2);
  const started = await new Operations(control.db, deps.controlKey).get(operationId);
  assert.equal(started?.operation.kind, 'resize_volume');
  assert.deepEqual(JSON.parse(started?.operation.request ?? ''), { oldSize: 1, newSize: 3 });
  const row = await control.db
    .selectFrom('instances')
    .select(['task_status', 'volume_size'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(row, { task_status: 'RESIZING', volume_size: 1 }, 'the size changes once grown');
});

test("a flavor resize takes only the RAM it adds, beyond the project's RAM quota refused", async () => {
  const id = await activeInstance('flavor');
  const ram = await inUse('ram');
  await assert.rejects(resizeInstance(deps, 'p1', id, { flavorRef: '5' }), status(413));
  await assert.rejects(resizeInstance(deps, 'p1', id, { flavorRef: '1' }), status(400));
  assert.equal(await inUse('ram'), ram);
  await resizeInstance(deps, 'p1', id, { flavorRef: 'http://cellar/flavors/2' });
  assert.equal(await inUse('ram'), ram + 1536, 'm1.small has 1536 MB more than m1.tiny');
});

test('the action table answers an unknown, a second and a malformed action with 400 naming them', async () => {
  const id = await activeInstance('actions');
  const refused = async (body: Record<string, unknown>): Promise<string> => {
    const error = await runAction(deps, caller, 'p1', id, body).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(isCellarError(error) && error.status === 400, String(error));
    return error.message;
  };
  assert.match(
    await refused({ reboot: {} }),
    /Unknown action 'reboot': Cellar knows restart, reset_status, resize/,
  );
  assert.match(await refused({ constructor: {} }), /Unknown action 'constructor'/);
  assert.match(
    await refused({ restart: {}, resize: {} }),
    /exactly one action, not restart and resize/,
  );
  assert.match(
    await refused({ resize: { volume: { size: 'big' } } }),
    /^body\.resize\.volume\.size: /,
  );
});

test("each action request names Trove's policy rule for it", () => {
  assert.equal(actionRule({ restart: {} }), 'instance:restart');
  assert.equal(actionRule({ reset_status: {} }), 'instance:reset_status');
  assert.equal(actionRule({ reset_status: { force_delete: true } }), 'instance:force_delete');
  assert.equal(actionRule({ resize: { volume: { size: 2 } } }), 'instance:resize_volume');
  assert.equal(actionRule({ resize: { flavorRef: '2' } }), 'instance:resize_flavor');
  assert.equal(actionRule({ frobnicate: {} }), undefined);
  assert.equal(actionRule({ restart: {}, resize: {} }), undefined);
});

test("an administrator's reset of a resize under way gives back the quota it took", async () => {
  await deps.quotas.setLimits('p1', { volumes: 40 });
  const id = await activeInstance('reset');
  const volumes = await inUse('volumes');
  await resizeInstance(deps, 'p1', id, { volume: { size: 2 } });
  assert.equal(await inUse('volumes'), volumes + 1);
  await resetInstanceStatus(deps, 'p1', id);
  assert.equal(await inUse('volumes'), volumes, 'the gigabyte not grown is given back');
});

test("each action's rule is Trove's default: owners resize, only admins reset or force a delete", () => {
  const policy = new Policy();
  const member = { roles: ['member'], projectId: 'p1' };
  const allowed = (body: Record<string, unknown>): boolean =>
    policy.check(actionRule(body) ?? 'default', { tenant: 'p1' }, member);
  assert.equal(allowed({ resize: { volume: { size: 2 } } }), true);
  assert.equal(allowed({ resize: { flavorRef: '2' } }), true);
  assert.equal(allowed({ restart: {} }), true);
  assert.equal(allowed({ reset_status: {} }), false);
  assert.equal(allowed({ reset_status: { force_delete: true } }), false);
});
