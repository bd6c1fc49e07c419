import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Transport } from '@cellar/rpc';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import type { ComputeDriver } from '../drivers/compute/compute-driver.js';
import { Quotas } from '../quotas/quotas.js';
import { newInstanceKey, seal } from '../secrets.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { Operations } from './operations.js';
import { stepsOf, TaskManager } from './taskmanager.js';

/** A server that is up whatever is asked of it. */
const runningServers: ComputeDriver = {
  name: 'fake',
  createServer: async () => ({ status: 'ACTIVE', address: '127.42.0.9' }),
  getServer: async () => ({ status: 'ACTIVE', address: '127.42.0.9' }),
  deleteServer: async () => undefined,
  adopt: async () => [],
  close: async () => undefined,
};

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

test('a create resumed by a restarted taskmanager prepares its guest with the passwords it was given, then erases them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-taskmanager-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  try {
    const { db } = control;
    await migrateToLatest(db);
    const controlKey = newInstanceKey();
    const instanceId = await insertInstance(db, seal(controlKey, newInstanceKey()));
    await db
      .insertInto('service_statuses')
      .values({ instance_id: instanceId, status: 'new', updated_at: now() })
      .execute();
    // The taskmanager that recorded it died after the server step.
    const operationId = await db.transaction().execute((trx) =>
      new Operations(db, controlKey).create(
        trx,
        instanceId,
        'create',
        {
          databases: [{ name: 'appdb' }],
          users: [{ name: 'app', password: 'resumed-pw-6e0a', databases: [{ name: 'appdb' }] }],
          sealedRootPassword: seal(controlKey, 'resumed-root-2f7c'),
        },
        stepsOf.create,
      ),
    );
    await db
      .updateTable('operation_steps')
      .set({ status: 'succeeded' })
      .where('operation_id', '=', operationId)
      .where('seq', '<=', 2)
      .execute();

    // The guest: it takes the prepare cast and reports healthy, as a real one does.
    const sent: string[] = [];
    const guest: Transport = {
      competingConsumers: false,
      listen: () => Promise.reject(new Error('not served here')),
      request: () => Promise.reject(new Error('no calls expected')),
      close: async () => undefined,
      send: async (_topic, message) => {
        sent.push(message.toString('utf8'));
        await db
          .updateTable('service_statuses')
          .set({ status: 'healthy', updated_at: now() })
          .where('instance_id', '=', instanceId)
          .execute();
      },
    };
    const restarted = new TaskManager({
      db,
      compute: runningServers,
      transport: guest,
      controlKey,
      quotas: new Quotas(db, { instances: 5, ram: 51200, volumes: 20, backups: 50 }),
      datastoreSettings: () => ({ usageTimeout: 10, tcpPorts: [], udpPorts: [] }),
      guestTimeouts: { low: 1, high: 1 },
      log: silent,
      pollInterval: 0.05,
    });
    await restarted.resume();

    assert.equal(sent.length, 1, 'one prepare cast');
    assert.ok(sent[0]?.includes('resumed-pw-6e0a'), "the user's password reached the guest");
    assert.ok(sent[0]?.includes('resumed-root-2f7c'), 'the root password reached the guest');
    const operation = await db
      .selectFrom('operations')
      .selectAll()
      .where('id', '=', operationId)
      .executeTakeFirstOrThrow();
    assert.equal(operation.status, 'succeeded');
    assert.equal(operation.secrets, null);
  } finally {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  }
});
