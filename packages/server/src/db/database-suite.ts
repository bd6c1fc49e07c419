// The control-database checks both dialects run: migrations, constraints, transactions and the
// value shapes the code relies on. SQLite runs it as a unit test, PostgreSQL in test/.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { migrateToLatest, type ControlDatabase } from './connect.js';
import { now, type NewInstance } from './schema.js';
import { MetricsStore } from '../metrics/store.js';

/**
 * What the cases share: the database under test and the datastore version its instances use
 * (inserted by the round-trip case, so the cases run in order).
 */
interface Fixture {
  readonly control: ControlDatabase;
  readonly open: () => Promise<ControlDatabase>;
  readonly datastoreId: string;
  readonly versionId: string;
}

function newInstance(id: string, versionId: string): NewInstance {
  return {
    id,
    name: 'db1',
    tenant_id: 'p1',
    flavor_id: '2',
    volume_size: 1,
    volume_type: null,
    datastore_version_id: versionId,
    task_status: 'BUILDING',
    server_status: 'BUILD',
    address: null,
    hostname: null,
    access: JSON.stringify({ is_public: false, allowed_cidrs: [] }),
    availability_zone: null,
    locality: null,
    nics: '[]',
    security_rules: '[]',
    rpc_key: 'sealed',
    created_at: now(),
    updated_at: now(),
    deleted_at: null,
  };
}

async function migrations(t: TestContext, { control: { db } }: Fixture): Promise<void> {
  await t.test('migrations apply once; a second run applies nothing', async () => {
    assert.deepEqual(await migrateToLatest(db), [
      '0001-initial',
      '0002-flavors',
      '0003-one-open-operation',
      '0004-operation-secrets',
      '0005-operation-leases',
      '0006-backups',
      '0007-backup-leftovers',
      '0008-configurations',
      '0009-replication',
      '0011-mgmt',
      '0012-events',
      '0013-metrics',
    ]);
    assert.deepEqual(await migrateToLatest(db), []);
  });
}

async function roundTrip(t: TestContext, fixture: Fixture): Promise<void> {
  const { control, datastoreId, versionId } = fixture;
  const { db } = control;
  await t.test('rows round-trip with their types', async () => {
    await db
      .insertInto('datastores')
      .values({ id: datastoreId, name: 'postgresql', default_version_id: null })
      .execute();
    await db
      .insertInto('datastore_versions')
      .values({
        id: versionId,
        datastore_id: datastoreId,
        name: '15',
        manager: 'postgresql',
        location: '/usr/lib/postgresql/15/bin',
        active: 1,
      })
      .execute();
    const id = randomUUID();
    await db.insertInto('instances').values(newInstance(id, versionId)).execute();
    const row = await db
      .selectFrom('instances')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.volume_size, 1);
    assert.equal(row.deleted_at, null);
    assert.equal(typeof row.created_at, 'string');
    await db
      .insertInto('conductor_lastseen')
      .values({ instance_id: id, method: 'heartbeat', sent: 1732550000.125 })
      .execute();
    const seen = await db
      .selectFrom('conductor_lastseen')
      .select('sent')
      .where('instance_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(seen.sent), 1732550000.125);
  });
}

async function backups(t: TestContext, { control: { db }, versionId }: Fixture): Promise<void> {
  await t.test(
    'a backup row keeps sizes beyond 4 GiB exact and reads them back as numbers',
    async () => {
      const id = randomUUID();
      const size = 5 * 1024 ** 3 + 123;
      await db
        .insertInto('backups')
        .values({
          id,
          tenant_id: 'p1',
          name: 'nightly',
          description: '',
          instance_id: randomUUID(),
          datastore: 'postgresql',
          datastore_version: '15',
          datastore_version_id: versionId,
          parent_id: null,
          state: 'COMPLETED',
          storage: 'local',
          object_key: 'i/b',
          location: 'local://p1/i/b',
          size,
          progress: size,
          checksum: 'a'.repeat(64),
          compression: 'zstd',
          strategy: 'pg_basebackup',
          meta: JSON.stringify({ start_lsn: '0/2000028' }),
          fault_code: null,
          fault_message: null,
          created_at: now(),
          updated_at: now(),
          deleted_at: null,
        })
        .execute();
      const row = await db
        .selectFrom('backups')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.size, size);
      assert.equal(row.progress, size);
      assert.equal(row.parent_id, null);
      assert.deepEqual(JSON.parse(row.meta), { start_lsn: '0/2000028' });
    },
  );
}

async function constraints(t: TestContext, { control: { db }, versionId }: Fixture): Promise<void> {
  await t.test('foreign keys and unique names are enforced', async () => {
    await assert.rejects(
      db
        .insertInto('instances')
        .values({ ...newInstance(randomUUID(), versionId), datastore_version_id: 'missing' })
        .execute(),
    );
    await assert.rejects(
      db
        .insertInto('datastores')
        .values({ id: randomUUID(), name: 'postgresql', default_version_id: null })
        .execute(),
    );
  });
}

async function transactions(
  t: TestContext,
  { control: { db }, versionId }: Fixture,
): Promise<void> {
  await t.test('a failed transaction leaves nothing behind', async () => {
    const id = randomUUID();
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('instances').values(newInstance(id, versionId)).execute();
        await trx
          .insertInto('operations')
          .values({
            id: randomUUID(),
            instance_id: id,
            kind: 'create',
            status: 'pending',
            request: '{}',
            error_code: null,
            error_message: null,
            created_at: now(),
            updated_at: now(),
          })
          .execute();
        throw new Error('quota exceeded');
      }),
      /quota exceeded/,
    );
    assert.equal(
      await db.selectFrom('instances').select('id').where('id', '=', id).executeTakeFirst(),
      undefined,
    );
    assert.equal(
      (await db.selectFrom('operations').select('id').where('instance_id', '=', id).execute())
        .length,
      0,
    );
  });
}

async function changeStamps(t: TestContext, { control, open, versionId }: Fixture): Promise<void> {
  const { db } = control;
  await t.test(
    'the change stamp holds while nothing changes and moves with every write, by this connection or another',
    async () => {
      const other = await open();
      try {
        const id = randomUUID();
        const idle = await control.changeStamp();
        await db.selectFrom('instances').selectAll().execute();
        assert.equal(await control.changeStamp(), idle);
        await db.insertInto('instances').values(newInstance(id, versionId)).execute();
        const afterOwn = await control.changeStamp();
        assert.notEqual(afterOwn, idle);
        await other.db
          .updateTable('instances')
          .set({ task_status: 'NONE' })
          .where('id', '=', id)
          .execute();
        const afterOther = await control.changeStamp();
        assert.notEqual(afterOther, afterOwn);
        assert.notEqual(afterOther, idle);
        assert.equal(await control.changeStamp(), afterOther);
      } finally {
        await other.close();
      }
    },
  );
}

async function instanceMetrics(t: TestContext, { control: { db } }: Fixture): Promise<void> {
  await t.test("a minute's gauges add up in one row and read back as numbers", async () => {
    const store = new MetricsStore(db);
    const at = new Date('2026-12-01T10:00:30Z');
    await store.record('i-metrics', { connections: 3, memory_bytes: 1.5e9 }, at);
    await store.record('i-metrics', { connections: 6, memory_bytes: 2.5e9 }, at);
    assert.deepEqual(await store.series('i-metrics', 5, at), [
      { name: 'connections', unit: 'count', points: [[1_796_119_200, 4.5]] },
      { name: 'memory_bytes', unit: 'bytes', points: [[1_796_119_200, 2e9]] },
    ]);
    assert.deepEqual(
      await store.latest(at),
      new Map([['i-metrics', { connections: 4.5, memory_bytes: 2e9 }]]),
    );
  });
}

/** `open` opens the database under test; each call is another connection to the same database. */
export function runControlDatabaseSuite(name: string, open: () => Promise<ControlDatabase>): void {
  test(`control database on ${name}`, async (t) => {
    const control = await open();
    const fixture: Fixture = { control, open, datastoreId: randomUUID(), versionId: randomUUID() };
    try {
      await migrations(t, fixture);
      await roundTrip(t, fixture);
      await backups(t, fixture);
      await constraints(t, fixture);
      await transactions(t, fixture);
      await changeStamps(t, fixture);
      await instanceMetrics(t, fixture);
    } finally {
      await control.close();
    }
  });
}
