// The change log on both dialects: which writes leave a change (and which, such as a heartbeat
// repeating its status, do not), in commit order, per project, and pruned by age.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { migrateToLatest, openDatabase, type ControlDatabase } from '../db/connect.js';
import { now } from '../db/schema.js';
import { insertBackup, onBothDialects } from '../testing/backup-fixture.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { postgresBinaries, startPostgres } from '../testing/postgresql.js';
import { ChangeLog, type Change } from './change-log.js';
import { ORIGIN, type EventCursor } from './cursor.js';

const seen = (changes: readonly Change[]) => changes.map((c) => [c.kind, c.resource]);

async function newChanges(log: ChangeLog, from: EventCursor): Promise<Change[]> {
  return log.after(from, { limit: 100 });
}

async function insertOperation(control: ControlDatabase, instanceId: string): Promise<string> {
  const id = randomUUID();
  await control.db
    .insertInto('operations')
    .values({
      id,
      instance_id: instanceId,
      kind: 'create',
      status: 'running',
      request: '{}',
      secrets: null,
      claimed_by: null,
      lease_until: null,
      error_code: null,
      error_message: null,
      created_at: now(),
      updated_at: now(),
    })
    .execute();
  return id;
}

onBothDialects(
  'instance, operation and backup writes leave changes of their project, in order',
  async (control) => {
    const { db } = control;
    const log = new ChangeLog(db);
    assert.deepEqual(await log.head(), ORIGIN);
    const instance = await insertInstance(db);
    await db
      .insertInto('service_statuses')
      .values({ instance_id: instance, status: 'new', updated_at: now() })
      .execute();
    const operation = await insertOperation(control, instance);
    await db
      .insertInto('operation_steps')
      .values({
        operation_id: operation,
        seq: 1,
        name: 'server',
        status: 'pending',
        started_at: null,
        ended_at: null,
        error_code: null,
        error_message: null,
      })
      .execute();
    await db.updateTable('operation_steps').set({ status: 'running', started_at: now() }).execute();
    const backup = await insertBackup(control, { state: 'NEW', instanceId: instance });
    const changes = await newChanges(log, ORIGIN);
    assert.deepEqual(seen(changes), [
      ['instance', instance],
      ['operation', operation],
      ['operation', operation],
      ['operation', operation],
      ['backup', backup],
    ]);
    assert.ok(changes.every((c) => c.project === 'p1'));
    const head = await log.head();
    assert.deepEqual(head, changes.at(-1)?.cursor);

    // A heartbeat that says the same again and a lease renewal change nothing a client sees.
    await db.updateTable('service_statuses').set({ status: 'new', updated_at: now() }).execute();
    await db.updateTable('operations').set({ claimed_by: 'tm-1', lease_until: now() }).execute();
    assert.deepEqual(await newChanges(log, head), []);

    await db
      .updateTable('service_statuses')
      .set({ status: 'healthy', updated_at: now() })
      .execute();
    await db.updateTable('operations').set({ status: 'succeeded', updated_at: now() }).execute();
    await db
      .updateTable('instances')
      .set({ deleted_at: now() })
      .where('id', '=', instance)
      .execute();
    await db.updateTable('backups').set({ deleted_at: now() }).execute();
    assert.deepEqual(seen(await newChanges(log, head)), [
      ['instance', instance],
      ['operation', operation],
      ['instance', instance],
      ['backup', backup],
    ]);
    assert.deepEqual(await log.after(ORIGIN, { project: 'p2', limit: 100 }), []);
    assert.deepEqual(seen(await log.after(ORIGIN, { project: 'p1', upTo: head, limit: 2 })), [
      ['instance', instance],
      ['operation', operation],
    ]);
  },
);

onBothDialects("a replica's link made or undone is a change of both instances", async (control) => {
  const { db } = control;
  const log = new ChangeLog(db);
  const [source, replica] = [await insertInstance(db), await insertInstance(db)];
  const head = await log.head();
  await db
    .insertInto('replicas')
    .values({
      instance_id: replica,
      source_id: source,
      synchronous: 0,
      backup_id: null,
      snapshot: null,
      created_at: now(),
    })
    .execute();
  await db.deleteFrom('replicas').execute();
  assert.deepEqual(
    (await newChanges(log, head)).map((c) => c.resource).sort(),
    [source, source, replica, replica].sort(),
  );
});

onBothDialects('pruning forgets changes older than the retention and says so', async (control) => {
  const log = new ChangeLog(control.db);
  await insertInstance(control.db);
  const [first] = await newChanges(log, ORIGIN);
  assert.ok(first);
  assert.equal(await log.has(first.cursor), true);
  await log.prune(new Date(Date.now() - 60_000).toISOString());
  assert.equal(await log.has(first.cursor), true, 'a change younger than the retention is kept');
  await log.prune(new Date(Date.now() + 60_000).toISOString());
  assert.equal(await log.has(first.cursor), false);
});

test(
  'on PostgreSQL, a change committed late never sorts before one already read',
  { skip: postgresBinaries() === undefined ? 'PostgreSQL is not installed' : false },
  async (t) => {
    const server = await startPostgres();
    t.after(() => server.stop());
    const control = await openDatabase({ dialect: 'postgresql', url: server.url });
    t.after(() => control.close());
    await migrateToLatest(control.db);
    const { db } = control;
    const log = new ChangeLog(db);
    const early = await insertInstance(db);
    const head = await log.head();
    let late = '';
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('instances').set({ name: 'slow' }).where('id', '=', early).execute();
      // Another transaction writes and commits while this one is still open.
      late = await insertInstance(db);
      assert.deepEqual(await newChanges(log, head), [], 'nothing is read past an open transaction');
    });
    assert.deepEqual(seen(await newChanges(log, head)), [
      ['instance', early],
      ['instance', late],
    ]);
  },
);
